// Flags of the services that own a MySQL schema.
#pragma once

#include "absl/status/statusor.h"
#include "common/mysql/mysql_connection_pool.h"

namespace order_saga {

// Pool options from --mysql_dsn, --mysql_pool_size,
// --mysql_acquire_timeout_ms, --mysql_connect_timeout_ms,
// --mysql_io_timeout_ms and --mysql_lock_wait_timeout_ms.
// INVALID_ARGUMENT if the DSN does not parse.
absl::StatusOr<MysqlConnectionPool::Options> MysqlPoolOptionsFromFlags();

}  // namespace order_saga
