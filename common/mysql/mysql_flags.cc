#include "common/mysql/mysql_flags.h"

#include <gflags/gflags.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/mysql_dsn.h"

DEFINE_string(mysql_dsn, "",
              "mysql://USER[:PASSWORD]@HOST[:PORT]/SCHEMA[?socket=PATH] "
              "(env MYSQL_DSN)");
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
  return options;
}

absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> OpenServiceDatabaseFromFlags(
    const std::vector<SchemaMigration>& migrations) {
  absl::StatusOr<MysqlConnectionPool::Options> options = MysqlPoolOptionsFromFlags();
  if (!options.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mysql_dsn: ", options.status().message()));
  }
  auto pool = std::make_unique<MysqlConnectionPool>(*std::move(options));
  if (absl::Status migrated = ApplySchemaMigrations(*pool, migrations); !migrated.ok()) {
    return migrated;
  }
  return pool;
}

}  // namespace order_saga
