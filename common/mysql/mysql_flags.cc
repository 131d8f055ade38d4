#include "common/mysql/mysql_flags.h"

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "common/flag_validators.h"
#include "common/mysql/mysql_dsn.h"

DEFINE_string(mysql_dsn, "",
              "mysql://USER[:PASSWORD]@HOST[:PORT]/SCHEMA[?socket=PATH] "
              "(env MYSQL_DSN)");
DEFINE_string(mysql_migration_dsn, "",
              "DSN of the user allowed to change the schema, used only to apply the "
              "migrations at start-up, so that --mysql_dsn's user needs no more than "
              "SELECT, INSERT and UPDATE; empty: --mysql_dsn's user applies them "
              "(env MYSQL_MIGRATION_DSN)");
DEFINE_int32(mysql_pool_size, 16,
             "most MySQL connections open at once (env MYSQL_POOL_SIZE)");
DEFINE_int32(mysql_acquire_timeout_ms, 5000,
             "wait for a free pooled connection (env "
             "MYSQL_ACQUIRE_TIMEOUT_MS)");
DEFINE_int32(mysql_connect_timeout_ms, 3000,
             "MySQL connect timeout (env MYSQL_CONNECT_TIMEOUT_MS)");
DEFINE_int32(mysql_io_timeout_ms, 30000,
             "MySQL read/write timeout (env MYSQL_IO_TIMEOUT_MS)");
DEFINE_int32(mysql_lock_wait_timeout_ms, 5000,
             "innodb_lock_wait_timeout of each session, whole seconds (env "
             "MYSQL_LOCK_WAIT_TIMEOUT_MS)");

DEFINE_int32(mysql_idle_transaction_timeout_ms, 2000,
             "the database ends a session of this service that sits this long in an open "
             "transaction without a statement (idle_transaction_timeout, whole seconds; 0: "
             "never), so a replica frozen mid-transaction cannot hold a hot row for longer "
             "(env MYSQL_IDLE_TRANSACTION_TIMEOUT_MS)");
DEFINE_validator(mysql_idle_transaction_timeout_ms, &order_saga::FlagNotNegative);

DEFINE_int32(mysql_startup_timeout_ms, 60000,
             "at start-up, keep trying an unreachable database this long "
             "(env MYSQL_STARTUP_TIMEOUT_MS)");
DEFINE_int32(mysql_health_interval_ms, 1000,
             "probe the database this often; health is NOT_SERVING while it "
             "is unreachable (env MYSQL_HEALTH_INTERVAL_MS)");

namespace order_saga {

absl::StatusOr<MysqlConnectionPool::Options> MysqlPoolOptionsFromFlags() {
  absl::StatusOr<MysqlDsn> dsn = ParseMysqlDsn(FLAGS_mysql_dsn);
  if (!dsn.ok()) return dsn.status();
  MysqlConnectionPool::Options options;
  options.dsn = *std::move(dsn);
  options.size = FLAGS_mysql_pool_size;
  options.acquire_timeout = absl::Milliseconds(FLAGS_mysql_acquire_timeout_ms);
  options.connect_timeout = absl::Milliseconds(FLAGS_mysql_connect_timeout_ms);
  options.io_timeout = absl::Milliseconds(FLAGS_mysql_io_timeout_ms);
  options.lock_wait_timeout =
      absl::Milliseconds(FLAGS_mysql_lock_wait_timeout_ms);
  options.idle_transaction_timeout =
      absl::Milliseconds(FLAGS_mysql_idle_transaction_timeout_ms);
  return options;
}

namespace {

// MysqlPoolOptionsFromFlags, its error naming --mysql_dsn.
absl::StatusOr<MysqlConnectionPool::Options> ServicePoolOptionsFromFlags() {
  absl::StatusOr<MysqlConnectionPool::Options> options = MysqlPoolOptionsFromFlags();
  if (!options.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mysql_dsn: ", options.status().message()));
  }
  return options;
}

// One connection as the schema's owner: `service`'s options on
// --mysql_migration_dsn when it is set, else on the service's own DSN.
absl::StatusOr<MysqlConnectionPool::Options> OwnerPoolOptionsFromFlags(
    MysqlConnectionPool::Options service) {
  service.size = 1;
  service.metrics = nullptr;
  if (!FLAGS_mysql_migration_dsn.empty()) {
    absl::StatusOr<MysqlDsn> dsn = ParseMysqlDsn(FLAGS_mysql_migration_dsn);
    if (!dsn.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--mysql_migration_dsn: ", dsn.status().message()));
    }
    service.dsn = *std::move(dsn);
  }
  return service;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> OpenServiceDatabaseFromFlags(
    const std::vector<SchemaMigration>& migrations, Clock& clock, DatabaseMetrics* metrics) {
  absl::StatusOr<MysqlConnectionPool::Options> options = ServicePoolOptionsFromFlags();
  if (!options.ok()) return options.status();
  options->metrics = metrics;
  // Migrations on a pool of their own when a migration user is given.
  std::unique_ptr<MysqlConnectionPool> migration_pool;
  if (!FLAGS_mysql_migration_dsn.empty()) {
    absl::StatusOr<MysqlConnectionPool::Options> owner = OwnerPoolOptionsFromFlags(*options);
    if (!owner.ok()) return owner.status();
    migration_pool = std::make_unique<MysqlConnectionPool>(*std::move(owner));
  }
  auto pool = std::make_unique<MysqlConnectionPool>(*std::move(options));
  MysqlConnectionPool& migrator = migration_pool != nullptr ? *migration_pool : *pool;
  absl::Status migrated = ApplySchemaMigrationsOnceReachable(
      migrator, migrations, absl::Milliseconds(FLAGS_mysql_startup_timeout_ms), clock);
  if (!migrated.ok()) return migrated;
  return pool;
}

absl::StatusOr<std::unique_ptr<MaintenanceDatabase>> OpenMaintenanceDatabaseFromFlags(
    Clock& clock) {
  absl::StatusOr<MysqlConnectionPool::Options> options = ServicePoolOptionsFromFlags();
  if (!options.ok()) return options.status();
  absl::StatusOr<MysqlConnectionPool::Options> owner = OwnerPoolOptionsFromFlags(*options);
  if (!owner.ok()) return owner.status();
  return std::make_unique<MaintenanceDatabase>(
      std::make_unique<MysqlConnectionPool>(*std::move(owner)), clock);
}

absl::Duration DatabaseHealthIntervalFromFlags() {
  return absl::Milliseconds(FLAGS_mysql_health_interval_ms);
}

}  // namespace order_saga
