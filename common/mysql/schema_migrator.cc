#include "common/mysql/schema_migrator.h"

#include <memory>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <glog/logging.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/mysql/sql_error.h"

namespace order_saga {

std::vector<std::string> SplitSqlStatements(const std::string& sql) {
  std::vector<std::string> statements;
  std::string current;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || absl::StartsWith(stripped, "--")) continue;
    absl::StrAppend(&current, line, "\n");
    if (absl::EndsWith(stripped, ";")) {
      statements.push_back(std::string(absl::StripAsciiWhitespace(current)));
      statements.back().pop_back();  // the ';'
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) {
    statements.push_back(std::string(absl::StripAsciiWhitespace(current)));
  }
  return statements;
}

absl::Status ApplySchemaMigrations(
    MysqlConnectionPool& pool, const std::vector<SchemaMigration>& migrations) {
  absl::StatusOr<MysqlConnectionPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  sql::Connection& connection = lease->session().connection();
  try {
    std::unique_ptr<sql::Statement> statement(connection.createStatement());
    std::unique_ptr<sql::ResultSet> locked(
        statement->executeQuery("SELECT GET_LOCK('schema_migrations', 60)"));
    if (!locked->next() || locked->getInt(1) != 1) {
      return absl::UnavailableError("schema migration lock not granted in 60s");
    }
    statement->execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INT PRIMARY KEY,"
        " name VARCHAR(255) NOT NULL,"
        " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
        ") ENGINE=InnoDB");
    std::unique_ptr<sql::ResultSet> current(statement->executeQuery(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    current->next();
    const int applied = current->getInt(1);
    for (const SchemaMigration& migration : migrations) {
      if (migration.version <= applied) continue;
      for (const std::string& sql : SplitSqlStatements(migration.sql)) {
        statement->execute(sql);
      }
      std::unique_ptr<sql::PreparedStatement> record(connection.prepareStatement(
          "INSERT INTO schema_migrations (version, name) VALUES (?, ?)"));
      record->setInt(1, migration.version);
      record->setString(2, migration.name);
      record->executeUpdate();
      LOG(INFO) << "applied schema migration " << migration.name;
    }
    statement->execute("DO RELEASE_LOCK('schema_migrations')");
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    lease->MarkBroken();  // also drops the named lock
    absl::Status status = StatusFromSqlException(e);
    return absl::Status(status.code(),
                        absl::StrCat("schema migration: ", status.message()));
  }
}

absl::Status ApplySchemaMigrationsOnceReachable(MysqlConnectionPool& pool,
                                                const std::vector<SchemaMigration>& migrations,
                                                absl::Duration patience, Clock& clock) {
  const absl::Time give_up = clock.Now() + patience;
  absl::Status migrated = ApplySchemaMigrations(pool, migrations);
  while (absl::IsUnavailable(migrated) && clock.Now() < give_up) {
    LOG(WARNING) << "database not reachable yet, retrying: " << migrated.message();
    clock.SleepFor(absl::Seconds(1));
    migrated = ApplySchemaMigrations(pool, migrations);
  }
  return migrated;
}

}  // namespace order_saga
