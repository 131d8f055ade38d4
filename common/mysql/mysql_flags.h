// Flags of the services that own a MySQL schema.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/mysql/mysql_connection_pool.h"
#include "common/mysql/mysql_transaction_runner.h"
#include "common/mysql/schema_migrator.h"

namespace order_saga {

// Pool options from --mysql_dsn, --mysql_pool_size,
// --mysql_acquire_timeout_ms, --mysql_connect_timeout_ms,
// --mysql_io_timeout_ms and --mysql_lock_wait_timeout_ms.
// INVALID_ARGUMENT if the DSN does not parse.
absl::StatusOr<MysqlConnectionPool::Options> MysqlPoolOptionsFromFlags();

// A service's database at start-up: the pool configured by the flags, with
// the service's schema `migrations` applied. While the database cannot be
// reached, keeps trying for --mysql_startup_timeout_ms (a pod may start
// before its database). The error names the flag or the migration step that
// failed.
// `metrics`, if set, must outlive the pool.
// Waits on `clock`.
absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> OpenServiceDatabaseFromFlags(
    const std::vector<SchemaMigration>& migrations, Clock& clock,
    DatabaseMetrics* metrics = nullptr);

// A one-connection database for maintenance (retention deletes): on
// --mysql_migration_dsn, the schema owner, when it is set, so that the
// service's own user needs no DELETE right; else on --mysql_dsn.
// INVALID_ARGUMENT, naming the flag, if the DSN does not parse.
struct MaintenanceDatabase {
  MaintenanceDatabase(std::unique_ptr<MysqlConnectionPool> pool_in, Clock& clock)
      : pool(std::move(pool_in)), runner(*pool, clock) {}
  std::unique_ptr<MysqlConnectionPool> pool;
  MysqlTransactionRunner runner;
};
absl::StatusOr<std::unique_ptr<MaintenanceDatabase>> OpenMaintenanceDatabaseFromFlags(
    Clock& clock);

// How often a service probes its database's reachability
// (--mysql_health_interval_ms).
absl::Duration DatabaseHealthIntervalFromFlags();

}  // namespace order_saga
