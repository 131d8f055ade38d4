// Retention: deletes what a service keeps only for a while (outbox events,
// saga history, finished reservation records) once it is older than
// --retention_hours, in small batches of short transactions, with a pause
// between batches, so it never holds many locks or locks for long. Each
// service registers the deletions of its own tables (docs/OPERATIONS.md,
// "Retention").
//   ordersaga_retention_deleted_total{table}  rows deleted
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace order_saga {

struct RetentionOptions {
  // Rows older than this are deleted; zero keeps everything (no sweeps).
  absl::Duration retention = absl::Hours(24 * 7);
  // Pause between sweeps.
  absl::Duration interval = absl::Minutes(10);
  // Rows per transaction.
  int batch_size = 500;
  // Pause between two batches of one sweep.
  absl::Duration batch_pause = absl::Milliseconds(50);
};

// From --retention_hours, --retention_interval_s, --retention_batch_size.
RetentionOptions RetentionOptionsFromFlags();

class RetentionSweeper {
 public:
  // Deletes at most `limit` rows older than `cutoff` in one transaction and
  // returns how many.
  using DeleteBatch = std::function<absl::StatusOr<int64_t>(absl::Time cutoff, int limit)>;

  // `clock` (and `registry`, if set) must outlive the sweeper.
  RetentionSweeper(RetentionOptions options, Clock& clock,
                   prometheus::Registry* registry = nullptr);
  ~RetentionSweeper() { Stop(); }

  // Registers a table's deletion; call before Start.
  void Add(std::string table, DeleteBatch delete_batch);

  // One sweep of every table: batches until a batch deletes fewer than
  // batch_size rows. Returns the rows deleted per table, or the first error.
  absl::StatusOr<std::map<std::string, int64_t>> SweepOnce();

  // Sweeps every `interval` on a background thread until Stop(); nothing if
  // retention is zero.
  void Start();
  void Stop();

 private:
  void Loop();
  bool Stopping();

  const RetentionOptions options_;
  Clock& clock_;
  prometheus::Family<prometheus::Counter>* deleted_ = nullptr;
  std::vector<std::pair<std::string, DeleteBatch>> tables_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace order_saga
