// A bounded pool of MySQL connections, each with its own cache of prepared
// statements. Connections are opened lazily. A connection that fails with a
// connection error is closed, and so is every idle one (after a server
// restart they are all dead); new ones are opened on demand. While the
// server cannot be reached, connection attempts back off (exponentially, up
// to reconnect_max_backoff) and Acquire fails fast with UNAVAILABLE in
// between, so callers get an answer at once instead of a hang.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics/database_metrics.h"
#include "common/mysql/mysql_dsn.h"

namespace order_saga {

// One open connection and the statements prepared on it. Not thread-safe:
// used by one thread at a time through a MysqlConnectionPool::Lease.
class MysqlSession {
 public:
  explicit MysqlSession(std::unique_ptr<sql::Connection> connection);
  ~MysqlSession();

  // The prepared statement for `sql`, prepared once per connection. Throws
  // sql::SQLException like Connector/C++ does.
  sql::PreparedStatement& Prepare(const std::string& sql);
  // Runs a statement without parameters or results (START TRANSACTION,
  // COMMIT, ROLLBACK). Throws sql::SQLException on any failure; unlike
  // Connector/C++ 1.1's Connection::commit(), which ignores a failed COMMIT.
  void Execute(const std::string& sql);
  sql::Connection& connection() { return *connection_; }

 private:
  std::unique_ptr<sql::Connection> connection_;
  std::unique_ptr<sql::Statement> plain_statement_;
  std::map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
};

class MysqlConnectionPool {
 public:
  struct Options {
    MysqlDsn dsn;
    // Most connections open at once.
    int size = 16;
    // How long Acquire waits for a free connection.
    absl::Duration acquire_timeout = absl::Seconds(5);
    // Connect, read and write timeouts of each connection.
    absl::Duration connect_timeout = absl::Seconds(3);
    absl::Duration io_timeout = absl::Seconds(30);
    // innodb_lock_wait_timeout of each session.
    absl::Duration lock_wait_timeout = absl::Seconds(5);
    // idle_transaction_timeout of each session (whole seconds; 0: none): the
    // server ends a session that sits in an open transaction this long
    // without a statement, releasing its row locks. A process frozen in a
    // transaction (SIGSTOP, a stalled node) then holds a hot row for this
    // long, not for as long as it is frozen; its own transaction is rolled
    // back, and its rerun is idempotent.
    absl::Duration idle_transaction_timeout = absl::Seconds(2);
    // After a failed connect, no new attempt for this long, doubling up to
    // the maximum while attempts keep failing.
    absl::Duration reconnect_initial_backoff = absl::Milliseconds(50);
    absl::Duration reconnect_max_backoff = absl::Seconds(1);
    // If set (must outlive the pool): connections in use and callers
    // waiting, and errors counted by MysqlTransactionRunner.
    DatabaseMetrics* metrics = nullptr;
  };

  // Hands a session back to the pool when destroyed; a session marked broken
  // is closed instead.
  class Lease {
   public:
    Lease(MysqlConnectionPool* pool, std::unique_ptr<MysqlSession> session)
        : pool_(pool), session_(std::move(session)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    MysqlSession& session() { return *session_; }
    void MarkBroken() { broken_ = true; }

   private:
    MysqlConnectionPool* pool_;
    std::unique_ptr<MysqlSession> session_;
    bool broken_ = false;
  };

  // No I/O here: connections open on first use.
  explicit MysqlConnectionPool(Options options);
  ~MysqlConnectionPool();

  // A session: an idle one, or a new connection if fewer than `size` are
  // open. DEADLINE_EXCEEDED if none frees up within acquire_timeout;
  // UNAVAILABLE if a new connection cannot be opened.
  absl::StatusOr<Lease> Acquire();

  // OK if a connection answers `SELECT 1` (UNAVAILABLE otherwise). Used by
  // the health monitor, on a pool of its own.
  absl::Status Ping();

  const Options& options() const { return options_; }
  DatabaseMetrics* metrics() const { return options_.metrics; }

 private:
  absl::StatusOr<Lease> AcquireSession();
  absl::StatusOr<std::unique_ptr<MysqlSession>> Connect();
  // Connect() unless a recent attempt failed and the backoff has not passed.
  absl::StatusOr<std::unique_ptr<MysqlSession>> ConnectWithBackoff();
  void Return(std::unique_ptr<MysqlSession> session, bool broken);

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<MysqlSession>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Connection attempts: the last failure, and no new attempt before
  // `next_connect_` (backoff doubles per failure, resets on success).
  absl::Status last_connect_error_ ABSL_GUARDED_BY(mu_);
  // On the monotonic clock: a wall clock stepped back must not stretch it.
  std::chrono::steady_clock::time_point next_connect_ ABSL_GUARDED_BY(mu_) =
      std::chrono::steady_clock::time_point::min();
  absl::Duration connect_backoff_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
};

}  // namespace order_saga
