// Flags of the services that own a MySQL schema.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/grpc_server.h"
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
absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> OpenServiceDatabaseFromFlags(
    const std::vector<SchemaMigration>& migrations, DatabaseMetrics* metrics = nullptr);

// A one-connection database for maintenance (retention deletes): on
// --mysql_migration_dsn, the schema owner, when it is set, so that the
// service's own user needs no DELETE right; else on --mysql_dsn. Exits 2
// (logging which flag) if the DSN does not parse.
struct MaintenanceDatabase {
  explicit MaintenanceDatabase(std::unique_ptr<MysqlConnectionPool> pool_in)
      : pool(std::move(pool_in)), runner(*pool, RealClock()) {}
  std::unique_ptr<MysqlConnectionPool> pool;
  MysqlTransactionRunner runner;
};
std::unique_ptr<MaintenanceDatabase> OpenMaintenanceDatabaseFromFlagsOrExit();

// RunGrpcServer for a service that owns a database: its health status
// follows the database's reachability (probed every
// --mysql_health_interval_ms on a connection made from `pool_options`).
// `before_shutdown`, if set, runs on SIGTERM before the server stops.
absl::Status RunDatabaseBackedGrpcServer(const GrpcServerOptions& options,
                                         const std::vector<grpc::Service*>& services,
                                         const MysqlConnectionPool::Options& pool_options,
                                         std::function<void()> before_shutdown = nullptr);

}  // namespace order_saga
