// A fresh schema on the test MariaDB (started by the CTest fixture; its
// socket is in $ORDER_SAGA_TEST_MYSQL_SOCKET), with a service's migrations
// applied, dropped again when the object goes away.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/mysql/mysql_connection_pool.h"
#include "common/mysql/schema_migrator.h"

namespace order_saga::testing {

class MysqlTestDatabase {
 public:
  // Creates schema `<prefix>_<pid>_<n>` and applies `migrations`, on the
  // server listening on `socket` (default: the fixture's).
  static absl::StatusOr<std::unique_ptr<MysqlTestDatabase>> Create(
      const std::string& prefix, const std::vector<SchemaMigration>& migrations,
      const std::string& socket = Socket());
  ~MysqlTestDatabase();

  MysqlConnectionPool& pool() { return *pool_; }
  const std::string& schema() const { return schema_; }
  const std::string& socket() const { return socket_; }
  // Runs a root statement (test setup only).
  absl::Status Execute(const std::string& sql);

  // The socket of the fixture's server; empty if the fixture is not set.
  static std::string Socket();

 private:
  MysqlTestDatabase(std::string socket, std::string schema,
                    std::unique_ptr<MysqlConnectionPool> pool)
      : socket_(std::move(socket)), schema_(std::move(schema)), pool_(std::move(pool)) {}

  std::string socket_;
  std::string schema_;
  std::unique_ptr<MysqlConnectionPool> pool_;
};

}  // namespace order_saga::testing
