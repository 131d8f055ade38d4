#include "common/mysql/mysql_connection_pool.h"

#include <algorithm>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <glog/logging.h>
#include <mysql_driver.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/mysql/sql_error.h"

namespace order_saga {

MysqlSession::MysqlSession(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)) {}

MysqlSession::~MysqlSession() {
  statements_.clear();  // before the connection they belong to
  plain_statement_.reset();
}

void MysqlSession::Execute(const std::string& sql) {
  if (plain_statement_ == nullptr) plain_statement_.reset(connection_->createStatement());
  plain_statement_->execute(sql);
}

sql::PreparedStatement& MysqlSession::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_
             .emplace(sql, std::unique_ptr<sql::PreparedStatement>(
                               connection_->prepareStatement(sql)))
             .first;
  }
  it->second->clearParameters();
  return *it->second;
}

MysqlConnectionPool::Lease::~Lease() {
  if (session_ != nullptr) pool_->Return(std::move(session_), broken_);
}

MysqlConnectionPool::MysqlConnectionPool(Options options)
    : options_(std::move(options)) {}

MysqlConnectionPool::~MysqlConnectionPool() = default;

absl::StatusOr<MysqlConnectionPool::Lease> MysqlConnectionPool::Acquire() {
  absl::StatusOr<Lease> lease = AcquireSession();
  if (lease.ok() && options_.metrics != nullptr) options_.metrics->in_use().Increment();
  return lease;
}

absl::StatusOr<MysqlConnectionPool::Lease> MysqlConnectionPool::AcquireSession() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    // Callers that find no connection free are counted while they wait.
    const bool counted = options_.metrics != nullptr && !available();
    if (counted) options_.metrics->waiting().Increment();
    const bool got = mu_.AwaitWithTimeout(absl::Condition(&available), options_.acquire_timeout);
    if (counted) options_.metrics->waiting().Decrement();
    if (!got) {
      return absl::DeadlineExceededError(
          absl::StrCat("no MySQL connection free within ",
                       absl::FormatDuration(options_.acquire_timeout),
                       " (pool size ", options_.size, ")"));
    }
    if (!idle_.empty()) {
      std::unique_ptr<MysqlSession> session = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(session));
    }
    ++open_;
  }
  absl::StatusOr<std::unique_ptr<MysqlSession>> session = ConnectWithBackoff();
  if (!session.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return session.status();
  }
  return Lease(this, *std::move(session));
}

absl::StatusOr<std::unique_ptr<MysqlSession>> MysqlConnectionPool::Connect() {
  const MysqlDsn& dsn = options_.dsn;
  sql::ConnectOptionsMap properties;
  properties["hostName"] = dsn.socket.empty()
                               ? sql::SQLString(absl::StrCat("tcp://", dsn.host,
                                                             ":", dsn.port))
                               : sql::SQLString(absl::StrCat("unix://", dsn.socket));
  properties["userName"] = sql::SQLString(dsn.user);
  properties["password"] = sql::SQLString(dsn.password);
  properties["schema"] = sql::SQLString(dsn.schema);
  properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  properties["OPT_CONNECT_TIMEOUT"] =
      static_cast<int>(absl::ToInt64Seconds(options_.connect_timeout));
  properties["OPT_READ_TIMEOUT"] =
      static_cast<int>(absl::ToInt64Seconds(options_.io_timeout));
  properties["OPT_WRITE_TIMEOUT"] =
      static_cast<int>(absl::ToInt64Seconds(options_.io_timeout));
  try {
    std::unique_ptr<sql::Connection> connection(
        sql::mysql::get_mysql_driver_instance()->connect(properties));
    std::unique_ptr<sql::Statement> setup(connection->createStatement());
    setup->execute("SET NAMES utf8mb4 COLLATE utf8mb4_bin");
    setup->execute("SET time_zone = '+00:00'");
    setup->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    setup->execute(absl::StrCat(
        "SET SESSION innodb_lock_wait_timeout = ",
        std::max<int64_t>(1, absl::ToInt64Seconds(options_.lock_wait_timeout))));
    if (options_.idle_transaction_timeout > absl::ZeroDuration()) {
      try {
        setup->execute(absl::StrCat(
            "SET SESSION idle_transaction_timeout = ",
            std::max<int64_t>(1, absl::ToInt64Seconds(options_.idle_transaction_timeout))));
      } catch (const sql::SQLException& e) {
        // MySQL has no such variable (error 1193; MariaDB 10.3+ has): the
        // bound on a frozen replica's locks is then the lock wait timeout
        // of its waiters only.
        if (e.getErrorCode() != 1193) throw;
        LOG_FIRST_N(WARNING, 1) << "the database has no idle_transaction_timeout (MySQL?): "
                                   "a replica frozen in a transaction holds its rows until "
                                   "it wakes or its connection times out";
      }
    }
    connection->setAutoCommit(true);
    return std::make_unique<MysqlSession>(std::move(connection));
  } catch (const sql::SQLException& e) {
    if (options_.metrics != nullptr) options_.metrics->CountError(SqlErrorKind(e));
    absl::Status status = StatusFromSqlException(e);
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to ", dsn.Redacted(), ": ", status.message()));
  }
}

absl::StatusOr<std::unique_ptr<MysqlSession>> MysqlConnectionPool::ConnectWithBackoff() {
  {
    absl::MutexLock lock(&mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_connect_) {
      return absl::UnavailableError(absl::StrCat(
          "database unreachable, next connection attempt in ",
          absl::FormatDuration(absl::Trunc(absl::FromChrono(next_connect_ - now),
                                           absl::Milliseconds(1))),
          "; last error: ", last_connect_error_.message()));
    }
  }
  absl::StatusOr<std::unique_ptr<MysqlSession>> session = Connect();
  absl::MutexLock lock(&mu_);
  if (session.ok()) {
    connect_backoff_ = absl::ZeroDuration();
    next_connect_ = std::chrono::steady_clock::time_point::min();
  } else {
    connect_backoff_ = std::clamp(connect_backoff_ * 2, options_.reconnect_initial_backoff,
                                  options_.reconnect_max_backoff);
    next_connect_ = SteadyAfter(connect_backoff_);
    last_connect_error_ = session.status();
  }
  return session;
}

absl::Status MysqlConnectionPool::Ping() {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return absl::UnavailableError(lease.status().message());
  try {
    std::unique_ptr<sql::Statement> statement(
        lease->session().connection().createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery("SELECT 1"));
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    lease->MarkBroken();
    return absl::UnavailableError(StatusFromSqlException(e).message());
  }
}

void MysqlConnectionPool::Return(std::unique_ptr<MysqlSession> session,
                                 bool broken) {
  if (options_.metrics != nullptr) options_.metrics->in_use().Decrement();
  if (broken) {
    // The server probably restarted or the network dropped: the idle
    // connections are as dead as this one. Close them all outside the lock.
    std::vector<std::unique_ptr<MysqlSession>> dead;
    {
      absl::MutexLock lock(&mu_);
      dead.swap(idle_);
      open_ -= 1 + static_cast<int>(dead.size());
    }
    session.reset();
    dead.clear();
    return;
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(session));
}

}  // namespace order_saga
