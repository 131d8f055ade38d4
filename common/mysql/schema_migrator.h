// Applies a service's versioned schema files at start-up.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/mysql/mysql_connection_pool.h"

namespace order_saga {

// One versioned SQL file (schema/001_init.sql -> version 1), embedded in the
// binary at build time so that a container needs no extra files.
struct SchemaMigration {
  int version;
  std::string name;
  std::string sql;
};

// Applies, in version order, every migration newer than the highest one
// recorded in table `schema_migrations` of the DSN's schema. Serialized
// across replicas with GET_LOCK. Statements are separated by ';' at the end
// of a line; lines starting with "--" are comments.
absl::Status ApplySchemaMigrations(MysqlConnectionPool& pool,
                                   const std::vector<SchemaMigration>& migrations);

// ApplySchemaMigrations, tried again every second while the database cannot
// be reached (UNAVAILABLE: a pod may start before its database), for at most
// `patience` on `clock`. Other errors are returned at once.
absl::Status ApplySchemaMigrationsOnceReachable(MysqlConnectionPool& pool,
                                                const std::vector<SchemaMigration>& migrations,
                                                absl::Duration patience, Clock& clock);

// The statements of one migration file, split as described above.
std::vector<std::string> SplitSqlStatements(const std::string& sql);

}  // namespace order_saga
