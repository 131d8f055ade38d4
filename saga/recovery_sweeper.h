// Re-drives PENDING orders that nobody has touched for a while (their
// coordinator crashed or gave up mid-saga), so no order stays PENDING.
// Orders whose last attempt failed wait out their backoff, and orders parked
// as stuck are left to an operator (docs/OPERATIONS.md, "Stuck sagas").
// Safe to run in every coordinator at once: every saga step is idempotent.
#pragma once

#include <atomic>
#include <functional>

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "saga/participants.h"
#include "saga/place_order_saga.h"

namespace order_saga::coordinator {

class RecoverySweeper {
 public:
  struct Options {
    // Orders untouched for this long are re-driven. Keep it above the saga
    // and compensation deadlines so live sagas are rarely doubled.
    absl::Duration recovery_age = absl::Seconds(15);
    // Pause between sweeps.
    absl::Duration interval = absl::Seconds(2);
    // Each re-driven order gets this long.
    absl::Duration saga_deadline = absl::Seconds(5);
    // Deadline of the sweep's own reads (the page of orders, each order
    // read again before it is driven).
    absl::Duration call_timeout = absl::Seconds(1);
    // If set, told how many orders each background sweep re-drove (metrics).
    std::function<void(int)> on_recovered;
    // If set, told after each background sweep how many orders are stuck.
    std::function<void(int64_t)> on_stuck_count;
  };

  // Collaborators must outlive the sweeper.
  RecoverySweeper(OrderPorts orders, PlaceOrderSaga& saga, Clock& clock,
                  Options options)
      : orders_(orders), saga_(saga), clock_(clock), options_(options) {}
  ~RecoverySweeper() { Stop(); }

  // One pass over every stale PENDING order. Returns how many it re-drove,
  // or the error of listing them.
  absl::StatusOr<int> SweepOnce();

  // Sweeps every `interval` on a background thread until Stop(), which
  // returns once the sweep in progress has stopped between orders (the
  // drive in flight starts no further call: at most one call timeout).
  void Start();
  void Stop();

 private:
  void Loop();

  const OrderPorts orders_;  // lookup and bookkeeping
  PlaceOrderSaga& saga_;
  Clock& clock_;
  const Options options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace order_saga::coordinator
