// MariaDB's global counters that tell what an order costs the database
// (SHOW GLOBAL STATUS), read before and after a phase.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/mysql/mysql_connection_pool.h"

namespace order_saga::bench {

struct DatabaseCounters {
  // Com_commit: explicit COMMIT statements (the services' transactions).
  int64_t explicit_commits = 0;
  // Com_update: UPDATE statements (each one a commit in autocommit mode,
  // as in the calibrate phase).
  int64_t updates = 0;
  // Innodb_log_writes + Innodb_os_log_fsyncs: durable redo-log flushes.
  // MariaDB 10.11 opens the redo log with O_DIRECT/O_DSYNC where it can, so
  // each log write is the flush and the fsync counter stays at 0.
  int64_t log_flushes = 0;
  // Questions: statements every client sent (prepared executions, BEGIN
  // and COMMIT included; not prepares, closes or pings; the servers'
  // background work and this tool's own SHOW GLOBAL STATUS, one per read,
  // included).
  int64_t statements = 0;
};

absl::StatusOr<DatabaseCounters> ReadDatabaseCounters(MysqlConnectionPool& pool);

}  // namespace order_saga::bench
