#include "bench/database_counters.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "common/mysql/sql_error.h"

namespace order_saga::bench {

absl::StatusOr<DatabaseCounters> ReadDatabaseCounters(MysqlConnectionPool& pool) {
  absl::StatusOr<MysqlConnectionPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    std::unique_ptr<sql::Statement> statement(
        lease->session().connection().createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
        "SHOW GLOBAL STATUS WHERE Variable_name IN "
        "('Com_commit', 'Com_update', 'Innodb_log_writes', 'Innodb_os_log_fsyncs', "
        "'Questions')"));
    DatabaseCounters counters;
    while (rows->next()) {
      const std::string name = rows->getString(1).asStdString();
      const int64_t value = std::stoll(rows->getString(2).asStdString());
      if (name == "Com_commit") counters.explicit_commits = value;
      if (name == "Com_update") counters.updates = value;
      if (name == "Questions") counters.statements = value;
      if (name == "Innodb_log_writes" || name == "Innodb_os_log_fsyncs") {
        counters.log_flushes += value;
      }
    }
    return counters;
  } catch (const sql::SQLException& e) {
    lease->MarkBroken();
    return StatusFromSqlException(e);
  }
}

}  // namespace order_saga::bench
