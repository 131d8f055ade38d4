// The one place that turns Connector/C++ errors into statuses.
#pragma once

#include <cppconn/exception.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace order_saga {

// duplicate key -> ALREADY_EXISTS; deadlock, lock wait timeout -> ABORTED
// (retryable); lost or refused connection -> UNAVAILABLE; constraint
// violations -> FAILED_PRECONDITION; anything else -> INTERNAL. The message
// keeps the server's error number and text.
absl::Status StatusFromSqlException(const sql::SQLException& e);

// The error's kind for metrics: "deadlock", "lock_wait_timeout",
// "connection_lost", "duplicate_key", "constraint" or "other".
absl::string_view SqlErrorKind(const sql::SQLException& e);

// True if the error means the connection can no longer be used.
bool IsConnectionLost(const sql::SQLException& e);

}  // namespace order_saga
