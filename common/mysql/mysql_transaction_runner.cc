#include "common/mysql/mysql_transaction_runner.h"

#include <algorithm>

#include <glog/logging.h>

#include "absl/random/random.h"
#include "common/mysql/sql_error.h"

namespace order_saga {

bool IsDatabaseUnreachableOrBusy(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsAborted(status);
}

MysqlTransactionRunner::MysqlTransactionRunner(MysqlConnectionPool& pool,
                                               Clock& clock, Options options)
    : pool_(pool), clock_(clock), options_(options) {}

bool MysqlTransactionRunner::RetriesAfter(const absl::Status& status, int attempt) {
  // ABORTED: deadlock or lock wait timeout, nothing committed. UNAVAILABLE
  // on a pooled connection that died while idle: nothing was executed. Both
  // are safe to run again (the broken connection was dropped); a database
  // that stays unreachable is reported after the third attempt.
  return absl::IsAborted(status) || (absl::IsUnavailable(status) && attempt < 3);
}

absl::Status MysqlTransactionRunner::Run(
    const std::function<absl::Status(MysqlSession&)>& body) {
  absl::BitGen random;
  absl::Duration backoff = options_.initial_backoff;
  absl::Status status;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    status = RunOnce(body, attempt);
    if (!RetriesAfter(status, attempt)) return status;
    VLOG(1) << "transaction attempt " << attempt << " failed, retrying: "
            << status;
    clock_.SleepFor(backoff * absl::Uniform(random, 0.5, 1.5));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return status;
}

absl::Status MysqlTransactionRunner::RunOnce(
    const std::function<absl::Status(MysqlSession&)>& body, int attempt) {
  absl::StatusOr<MysqlConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  MysqlSession& session = lease->session();
  // Sessions stay in autocommit mode; each unit of work is an explicit
  // transaction. COMMIT goes through Execute, which throws if it fails
  // (Connector/C++ 1.1's Connection::commit() does not: a COMMIT lost with
  // the server would pass for a success).
  try {
    session.Execute("START TRANSACTION");
    absl::Status status = body(session);
    session.Execute(status.ok() ? "COMMIT" : "ROLLBACK");
    if (status.ok() && options_.after_commit) options_.after_commit(session, attempt);
    return status;
  } catch (const sql::SQLException& e) {
    if (pool_.metrics() != nullptr) pool_.metrics()->CountError(SqlErrorKind(e));
    if (IsConnectionLost(e)) {
      // The outcome of a COMMIT in flight is unknown: the body runs again,
      // which is why every body is idempotent.
      lease->MarkBroken();
    } else {
      try {
        session.Execute("ROLLBACK");
      } catch (const sql::SQLException&) {
        lease->MarkBroken();
      }
    }
    return StatusFromSqlException(e);
  }
}

}  // namespace order_saga
