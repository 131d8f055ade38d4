#include "tests/storage/mysql_test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include <cppconn/statement.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/sql_error.h"

namespace order_saga::testing {
namespace {

MysqlConnectionPool::Options RootOptions(const std::string& socket,
                                         const std::string& schema) {
  MysqlConnectionPool::Options options;
  options.dsn.user = "root";
  options.dsn.socket = socket;
  options.dsn.schema = schema;
  options.size = 8;
  // Tests hold transactions open on purpose (a row lock held from another
  // session); the services' own sessions get the timeout from their flags.
  options.idle_transaction_timeout = absl::ZeroDuration();
  return options;
}

absl::Status ExecuteOn(MysqlConnectionPool& pool, const std::string& sql) {
  absl::StatusOr<MysqlConnectionPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    std::unique_ptr<sql::Statement> statement(lease->session().connection().createStatement());
    statement->execute(sql);
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    return StatusFromSqlException(e);
  }
}

}  // namespace

std::string MysqlTestDatabase::Socket() {
  const char* socket = std::getenv("ORDER_SAGA_TEST_MYSQL_SOCKET");
  return socket == nullptr ? "" : socket;
}

absl::StatusOr<std::unique_ptr<MysqlTestDatabase>> MysqlTestDatabase::Create(
    const std::string& prefix, const std::vector<SchemaMigration>& migrations,
    const std::string& socket) {
  if (socket.empty()) {
    return absl::FailedPreconditionError(
        "ORDER_SAGA_TEST_MYSQL_SOCKET is not set: run through ctest (mariadb fixture)");
  }
  static std::atomic<int> counter{0};
  const std::string schema = absl::StrCat(prefix, "_", getpid(), "_", counter++);
  MysqlConnectionPool admin(RootOptions(socket, "mysql"));
  absl::Status created = ExecuteOn(
      admin, absl::StrCat("CREATE DATABASE `", schema,
                          "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"));
  if (!created.ok()) return created;
  auto pool = std::make_unique<MysqlConnectionPool>(RootOptions(socket, schema));
  absl::Status migrated = ApplySchemaMigrations(*pool, migrations);
  if (!migrated.ok()) return migrated;
  return std::unique_ptr<MysqlTestDatabase>(new MysqlTestDatabase(socket, schema, std::move(pool)));
}

absl::Status MysqlTestDatabase::Execute(const std::string& sql) { return ExecuteOn(*pool_, sql); }

MysqlTestDatabase::~MysqlTestDatabase() {
  pool_.reset();
  MysqlConnectionPool admin(RootOptions(socket_, "mysql"));
  (void)ExecuteOn(admin, absl::StrCat("DROP DATABASE IF EXISTS `", schema_, "`"));
}

}  // namespace order_saga::testing
