#include "saga/customer_rate_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace order_saga::coordinator {

CustomerRateLimiter::CustomerRateLimiter(double rate, double burst, Clock& clock)
    : rate_(rate), burst_(std::max(burst, 1.0)), clock_(clock), last_sweep_(clock.Now()) {}

absl::Status CustomerRateLimiter::Admit(const std::string& customer_id) {
  if (rate_ <= 0) return absl::OkStatus();
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  DropFullBuckets(now);
  auto [it, inserted] = buckets_.try_emplace(customer_id, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    bucket.tokens = std::min(
        burst_, bucket.tokens + absl::ToDoubleSeconds(now - bucket.updated) * rate_);
    bucket.updated = now;
  }
  if (bucket.tokens < 1.0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "customer_id: more than ", rate_, " PlaceOrder calls per second (bursts of ", burst_,
        ") for '", customer_id, "'; retry later with the same request_id"));
  }
  bucket.tokens -= 1.0;
  return absl::OkStatus();
}

void CustomerRateLimiter::DropFullBuckets(absl::Time now) {
  // Once a minute: a bucket untouched for the time it takes to refill is
  // the same as no bucket.
  if (now - last_sweep_ < absl::Minutes(1)) return;
  last_sweep_ = now;
  const absl::Duration refill = absl::Seconds(burst_ / rate_);
  absl::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.updated >= refill; });
}

}  // namespace order_saga::coordinator
