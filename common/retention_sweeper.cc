#include "common/retention_sweeper.h"

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/flag_validators.h"

DEFINE_int32(retention_hours, 24 * 7,
             "outbox events, saga history and finished reservation records older "
             "than this are deleted; 0 keeps everything. At least 2: it must exceed "
             "the longest time a late Reserve can arrive (docs/OPERATIONS.md) "
             "(env RETENTION_HOURS)");
DEFINE_validator(retention_hours, [](const char* flag, int32_t value) {
  if (value == 0 || value >= 2) return true;
  std::fprintf(stderr, "--%s: must be 0 (keep everything) or >= 2, got %d\n", flag, value);
  return false;
});
DEFINE_int32(retention_interval_s, 600,
             "pause between retention sweeps (env RETENTION_INTERVAL_S)");
DEFINE_validator(retention_interval_s, &order_saga::FlagAtLeastOne);
DEFINE_int32(retention_batch_size, 500,
             "rows deleted per retention transaction (env RETENTION_BATCH_SIZE)");
DEFINE_validator(retention_batch_size, &order_saga::FlagAtLeastOne);

namespace order_saga {

RetentionOptions RetentionOptionsFromFlags() {
  RetentionOptions options;
  options.retention = absl::Hours(FLAGS_retention_hours);
  options.interval = absl::Seconds(FLAGS_retention_interval_s);
  options.batch_size = FLAGS_retention_batch_size;
  return options;
}

RetentionSweeper::RetentionSweeper(RetentionOptions options, Clock& clock,
                                   prometheus::Registry* registry)
    : options_(options), clock_(clock) {
  if (registry != nullptr) {
    deleted_ = &prometheus::BuildCounter()
                    .Name("ordersaga_retention_deleted_total")
                    .Help("Rows deleted by retention, per table")
                    .Register(*registry);
  }
}

void RetentionSweeper::Add(std::string table, DeleteBatch delete_batch) {
  tables_.emplace_back(std::move(table), std::move(delete_batch));
}

absl::StatusOr<std::map<std::string, int64_t>> RetentionSweeper::SweepOnce() {
  std::map<std::string, int64_t> deleted;
  const absl::Time cutoff = clock_.Now() - options_.retention;
  for (const auto& [table, delete_batch] : tables_) {
    int64_t& total = deleted[table];
    while (true) {
      absl::StatusOr<int64_t> batch = delete_batch(cutoff, options_.batch_size);
      if (!batch.ok()) return batch.status();
      total += *batch;
      if (deleted_ != nullptr && *batch > 0) {
        deleted_->Add({{"table", table}}).Increment(static_cast<double>(*batch));
      }
      if (*batch < options_.batch_size || Stopping()) break;
      clock_.SleepFor(options_.batch_pause);
    }
  }
  return deleted;
}

bool RetentionSweeper::Stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void RetentionSweeper::Start() {
  if (options_.retention == absl::ZeroDuration()) return;
  absl::MutexLock lock(&mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void RetentionSweeper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::Loop() {
  while (true) {
    absl::StatusOr<std::map<std::string, int64_t>> deleted = SweepOnce();
    if (!deleted.ok()) {
      LOG(WARNING) << "retention sweep failed: " << deleted.status();
    } else {
      for (const auto& [table, rows] : *deleted) {
        if (rows > 0) LOG(INFO) << "retention: deleted " << rows << " rows of " << table;
      }
    }
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.interval)) return;
  }
}

}  // namespace order_saga
