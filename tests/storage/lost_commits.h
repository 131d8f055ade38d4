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
#include <optional>

#include "absl/status/status.h"

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

// A storage-suite backend (`Base`: MySQL, or MySQL behind coalescing) whose
// runner loses the outcome of every unit's first COMMIT. A batch rerun after
// its lost COMMIT finds its own rows and goes on one order at a time, by
// design, so the split count says nothing here; what it reports instead is
// that commits were lost at all (the suite checks it after each test).
template <typename Base>
struct LostCommitBackend : Base {
  absl::Status Init() { return Base::Init(lost_commits.RunnerOptions()); }
  std::optional<int64_t> split_batches() { return std::nullopt; }
  std::optional<int64_t> commits_lost() { return lost_commits.lost.load(); }
  LostCommits lost_commits;
};

}  // namespace order_saga::testing
