// Runs a unit of work in one MySQL transaction, retrying it when the
// database asks for a retry (deadlock, lock wait timeout) or when the
// connection died (possibly during COMMIT, so the first attempt may or may
// not have committed: every body must be idempotent).
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/mysql/mysql_connection_pool.h"

namespace order_saga {

// True for the statuses Run returns when the database, not the unit of work,
// is the problem (unreachable, no connection free, retries on deadlocks or
// lock waits used up): the same unit would fail the same way split up.
bool IsDatabaseUnreachableOrBusy(const absl::Status& status);

class MysqlTransactionRunner {
 public:
  struct Options {
    // Attempts in all, for ABORTED (deadlock / lock wait timeout).
    int max_attempts = 20;
    absl::Duration initial_backoff = absl::Milliseconds(2);
    absl::Duration max_backoff = absl::Milliseconds(200);
    // Tests only (null in production): called right after a COMMIT of
    // attempt number `attempt` succeeded, on the same session. A hook that
    // kills the connection there (`KILL CONNECTION CONNECTION_ID()`) is a
    // connection lost at COMMIT: the commit happened, the caller cannot
    // know, and the unit of work runs again. tests/storage runs every unit
    // of work of both services through it (docs/ARCHITECTURE.md,
    // "Idempotent units of work").
    std::function<void(MysqlSession& session, int attempt)> after_commit;
  };

  // Whether Run tries the unit of work again after attempt number `attempt`
  // ended with `status` (docs/ARCHITECTURE.md, "Error classification").
  static bool RetriesAfter(const absl::Status& status, int attempt);

  // `pool` and `clock` must outlive the runner. Thread-safe.
  MysqlTransactionRunner(MysqlConnectionPool& pool, Clock& clock,
                         Options options);
  MysqlTransactionRunner(MysqlConnectionPool& pool, Clock& clock)
      : MysqlTransactionRunner(pool, clock, Options()) {}

  // Begins a transaction, runs `body`, commits if it returns OK and rolls
  // back otherwise. `body` may throw sql::SQLException: it is caught here
  // and mapped with StatusFromSqlException. `body` may run several times, so
  // it must not keep results of a failed attempt, and running it again after
  // a commit that succeeded unseen must change nothing (idempotent). Returns body's status, or
  // ABORTED after max_attempts, or UNAVAILABLE / DEADLINE_EXCEEDED from the
  // pool.
  absl::Status Run(const std::function<absl::Status(MysqlSession&)>& body);

 private:
  absl::Status RunOnce(const std::function<absl::Status(MysqlSession&)>& body, int attempt);

  MysqlConnectionPool& pool_;
  Clock& clock_;
  const Options options_;
};

}  // namespace order_saga
