// Connections lost at COMMIT, for the storage suites: a MysqlTransactionRunner
// hook that kills the connection right after the first COMMIT of every unit
// of work succeeded. The transaction is committed, the repository cannot
// know it, and the runner runs the unit again on a new connection: every
// unit of work must then change nothing more (docs/ARCHITECTURE.md,
// "Idempotent units of work").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "common/mysql/mysql_transaction_runner.h"

namespace order_saga::testing {

class LostCommits {
 public:
  // Runner options whose after_commit hook loses the outcome of each unit's
  // first COMMIT. This object must outlive the runner.
  MysqlTransactionRunner::Options RunnerOptions() {
    MysqlTransactionRunner::Options options;
    options.after_commit = [this](MysqlSession& session, int attempt) {
      if (attempt != 1 || !enabled.load()) return;
      ++lost;
      if (between) between();
      // Throws sql::SQLException 1927 (connection killed): what the runner
      // sees when a connection dies with the COMMIT's answer in flight.
      session.Execute("KILL CONNECTION CONNECTION_ID()");
    };
    return options;
  }

  // Commits whose outcome was lost so far.
  std::atomic<int64_t> lost{0};
  std::atomic<bool> enabled{true};
  // If set, runs after the commit and before the rerun (on its own
  // connection): another process's change, racing the rerun.
  std::function<void()> between;
};

}  // namespace order_saga::testing
