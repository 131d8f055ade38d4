// Group commit for blocking calls: callers that arrive while earlier work is
// in flight are handed to one call of a batch function together, so many
// requests share one database transaction (one lock acquisition, one
// commit). No thread of its own: the callers take turns leading a batch.
//
// A caller that finds a batch slot free runs a batch at once with whatever
// is queued (itself included), so an idle batcher adds no delay. While
// `max_concurrent_batches` batches are running, new callers queue; the next
// free slot takes up to `max_batch_size` of them, oldest first. Under load
// batches therefore grow by themselves to the arrival rate times the time a
// batch takes. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include <glog/logging.h>

#include "absl/synchronization/mutex.h"

namespace order_saga {

// Batches run so far and requests they carried (for logs and tests).
struct BatchCounts {
  int64_t batches = 0;
  int64_t requests = 0;
};

struct BatchOptions {
  // Most requests handed to one call of the batch function.
  int max_batch_size = 128;
  // Most calls of the batch function running at once.
  int max_concurrent_batches = 1;
  // If set, called with the size of every batch before it runs (metrics).
  std::function<void(size_t)> observe_batch_size;
};

template <typename Request, typename Response>
class RequestBatcher {
 public:
  using Options = BatchOptions;
  // Returns one response per request, in the same order. It must not throw.
  using BatchFunction =
      std::function<std::vector<Response>(const std::vector<const Request*>&)>;

  RequestBatcher(Options options, BatchFunction run_batch)
      : options_(options), run_batch_(std::move(run_batch)) {}

  // Blocks until `request` has been processed in some batch; returns its
  // response.
  Response Submit(const Request& request) {
    Waiter self{&request, std::nullopt};
    absl::MutexLock lock(&mu_);
    queue_.push_back(&self);
    while (!self.response.has_value()) {
      if (running_ < options_.max_concurrent_batches && !queue_.empty()) {
        RunOneBatch();
        continue;
      }
      WakeCheck check{this, &self};
      mu_.Await(absl::Condition(&CanProceed, &check));
    }
    return *std::move(self.response);
  }

  using Counts = BatchCounts;
  Counts counts() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }
  // Requests waiting for a batch slot.
  int queued() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(queue_.size());
  }

 private:
  struct Waiter {
    const Request* request;
    std::optional<Response> response;
  };

  struct WakeCheck {
    RequestBatcher* batcher;
    Waiter* waiter;
  };
  // Answered, or free to lead a batch. Evaluated with mu_ held.
  static bool CanProceed(WakeCheck* check) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const RequestBatcher& b = *check->batcher;
    return check->waiter->response.has_value() ||
           (b.running_ < b.options_.max_concurrent_batches && !b.queue_.empty());
  }

  // Takes the oldest queued requests and runs them with mu_ released.
  void RunOneBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Waiter*> batch;
    while (!queue_.empty() &&
           batch.size() < static_cast<size_t>(options_.max_batch_size)) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    std::vector<const Request*> requests;
    requests.reserve(batch.size());
    for (Waiter* waiter : batch) requests.push_back(waiter->request);
    if (options_.observe_batch_size) options_.observe_batch_size(batch.size());
    ++running_;
    ++counts_.batches;
    counts_.requests += static_cast<int64_t>(batch.size());
    mu_.Unlock();
    std::vector<Response> responses = run_batch_(requests);
    mu_.Lock();
    CHECK_EQ(responses.size(), batch.size()) << "batch function broke its contract";
    --running_;
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->response.emplace(std::move(responses[i]));
    }
  }

  const Options options_;
  const BatchFunction run_batch_;
  mutable absl::Mutex mu_;
  std::deque<Waiter*> queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga
