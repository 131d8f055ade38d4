// Per-customer rate limit on PlaceOrder: a token bucket per customer id
// (`rate` calls per second, bursts up to `burst`), so that one customer's
// flood is refused with RESOURCE_EXHAUSTED while everyone else's orders go
// through. Buckets of customers idle long enough to be full again are
// dropped, so memory follows the active customers. Thread-safe.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace order_saga::coordinator {

class CustomerRateLimiter {
 public:
  // `rate` <= 0: no limit. `clock` must outlive the limiter.
  CustomerRateLimiter(double rate, double burst, Clock& clock);

  // OK and one call counted, or RESOURCE_EXHAUSTED naming the limit.
  absl::Status Admit(const std::string& customer_id);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  void DropFullBuckets(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double rate_;
  const double burst_;
  Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::coordinator
