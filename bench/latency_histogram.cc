#include "bench/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace order_saga::bench {

int LatencyHistogram::BucketOf(int64_t us) {
  us = std::max<int64_t>(us, 0);
  if (us < kSubBuckets) return static_cast<int>(us);  // magnitude 0: exact
  // Magnitude m >= 1 covers [64 * 2^(m-1), 64 * 2^m) in 64 steps of 2^(m-1).
  const int magnitude = 64 - __builtin_clzll(static_cast<uint64_t>(us)) - 6;
  const int clamped = std::min(magnitude, kMagnitudes - 1);
  const int64_t step = int64_t{1} << (clamped - 1);
  const int64_t base = int64_t{kSubBuckets} << (clamped - 1);
  const int64_t sub = std::min<int64_t>((us - base) / step, kSubBuckets - 1);
  return clamped * kSubBuckets + static_cast<int>(sub);
}

int64_t LatencyHistogram::UpperBoundOf(int bucket) {
  const int magnitude = bucket / kSubBuckets;
  const int sub = bucket % kSubBuckets;
  if (magnitude == 0) return sub;
  const int64_t step = int64_t{1} << (magnitude - 1);
  return (int64_t{kSubBuckets} << (magnitude - 1)) + (sub + 1) * step - 1;
}

void LatencyHistogram::Record(absl::Duration latency) {
  const int64_t us = absl::ToInt64Microseconds(latency);
  ++counts_[BucketOf(us)];
  ++count_;
  max_us_ = std::max(max_us_, us);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_us_ = std::max(max_us_, other.max_us_);
}

absl::Duration LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return absl::ZeroDuration();
  const int64_t rank =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(p / 100.0 * count_)));
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return absl::Microseconds(std::min(UpperBoundOf(static_cast<int>(i)), max_us_));
    }
  }
  return max();
}

}  // namespace order_saga::bench
