// A closed loop of PlaceOrder callers (each waits for its answer, then
// places the next order) that keeps every answer with the instant it came,
// so a test can follow throughput through a fault and its repair.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/e2e/open_loop_load.h"

namespace order_saga::testing {

class ClosedLoopLoad {
 public:
  // `clients` callers on channels of their own to `addresses` (client i to
  // i % n); `make_request(i)` builds order i.
  ClosedLoopLoad(std::vector<std::string> addresses, int clients,
                 std::function<saga::v1::PlaceOrderRequest(int64_t)> make_request);
  ~ClosedLoopLoad() { Stop(); }

  void Start();
  // Stops placing orders; returns once every caller has its last answer.
  void Stop();
  absl::Time started() const { return started_; }
  // Every answer so far (OpenLoopAnswer: sent, answered, status, response).
  std::vector<OpenLoopAnswer> answers() const;

 private:
  std::vector<std::string> addresses_;
  const int clients_;
  std::function<saga::v1::PlaceOrderRequest(int64_t)> make_request_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> next_{0};
  absl::Time started_;
  mutable absl::Mutex mu_;
  std::vector<OpenLoopAnswer> answers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// Approved answers per second in [from, to) of `answers`.
double ApprovedPerSecond(const std::vector<OpenLoopAnswer>& answers, absl::Time from,
                         absl::Time to);

// How long after `fault` the approval rate is back: the end of the first
// one-second window at or above `fraction` x `baseline` from which on the
// rate until `until`, taken together, stays there too (a single slow second
// later on is noise; a throughput that does not hold is not back).
// InfiniteDuration if it never is.
absl::Duration RecoveryTime(const std::vector<OpenLoopAnswer>& answers, absl::Time fault,
                            absl::Time until, double baseline, double fraction);

}  // namespace order_saga::testing
