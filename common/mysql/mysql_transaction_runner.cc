#include "common/mysql/mysql_transaction_runner.h"

#include <algorithm>

#include <glog/logging.h>

#include "absl/random/random.h"
#include "common/mysql/sql_error.h"

namespace order_saga {

MysqlTransactionRunner::MysqlTransactionRunner(MysqlConnectionPool& pool,
                                               Clock& clock, Options options)
    : pool_(pool), clock_(clock), options_(options) {}

absl::Status MysqlTransactionRunner::Run(
    const std::function<absl::Status(MysqlSession&)>& body) {
  absl::BitGen random;
  absl::Duration backoff = options_.initial_backoff;
  absl::Status status;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    status = RunOnce(body);
    // ABORTED: deadlock or lock wait timeout, nothing committed. UNAVAILABLE
    // on a pooled connection that died while idle: nothing was executed.
    // Both are safe to run again; the broken connection was dropped.
    const bool retryable = absl::IsAborted(status) ||
                           (absl::IsUnavailable(status) && attempt < 3);
    if (!retryable) return status;
    VLOG(1) << "transaction attempt " << attempt << " failed, retrying: "
            << status;
    clock_.SleepFor(backoff * absl::Uniform(random, 0.5, 1.5));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return status;
}

absl::Status MysqlTransactionRunner::RunOnce(
    const std::function<absl::Status(MysqlSession&)>& body) {
  absl::StatusOr<MysqlConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  sql::Connection& connection = lease->session().connection();
  try {
    connection.setAutoCommit(false);
    absl::Status status = body(lease->session());
    if (status.ok()) {
      connection.commit();
    } else {
      connection.rollback();
    }
    connection.setAutoCommit(true);
    return status;
  } catch (const sql::SQLException& e) {
    if (IsConnectionLost(e)) {
      lease->MarkBroken();
    } else {
      try {
        connection.rollback();
        connection.setAutoCommit(true);
      } catch (const sql::SQLException&) {
        lease->MarkBroken();
      }
    }
    return StatusFromSqlException(e);
  }
}

}  // namespace order_saga
