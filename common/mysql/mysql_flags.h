// Flags of the services that own a MySQL schema.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/mysql/mysql_connection_pool.h"
#include "common/mysql/schema_migrator.h"

namespace order_saga {

// Pool options from --mysql_dsn, --mysql_pool_size,
// --mysql_acquire_timeout_ms, --mysql_connect_timeout_ms,
// --mysql_io_timeout_ms and --mysql_lock_wait_timeout_ms.
// INVALID_ARGUMENT if the DSN does not parse.
absl::StatusOr<MysqlConnectionPool::Options> MysqlPoolOptionsFromFlags();

// A service's database at start-up: the pool configured by the flags, with
// the service's schema `migrations` applied. The error names the flag or the
// migration step that failed.
absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> OpenServiceDatabaseFromFlags(
    const std::vector<SchemaMigration>& migrations);

}  // namespace order_saga
