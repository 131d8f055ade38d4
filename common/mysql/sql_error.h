// The one place that turns Connector/C++ errors into statuses.
#pragma once

#include <cppconn/exception.h>

#include "absl/status/status.h"

namespace order_saga {

// duplicate key -> ALREADY_EXISTS; deadlock, lock wait timeout -> ABORTED
// (retryable); lost or refused connection -> UNAVAILABLE; constraint
// violations -> FAILED_PRECONDITION; anything else -> INTERNAL. The message
// keeps the server's error number and text.
absl::Status StatusFromSqlException(const sql::SQLException& e);

// True if the error means the connection can no longer be used.
bool IsConnectionLost(const sql::SQLException& e);

}  // namespace order_saga
