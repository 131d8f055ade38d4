// An HDR-style latency histogram: log-linear buckets (each power of two of
// microseconds split into 64 linear sub-buckets, so any value is kept to
// within 1.6%), from 1 us to about 1 hour. Fixed size, no allocation per
// sample; merge per-thread histograms at the end. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "absl/time/time.h"

namespace order_saga::bench {

class LatencyHistogram {
 public:
  void Record(absl::Duration latency);
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  // The latency at percentile `p` (0 < p <= 100), to the histogram's
  // precision; zero if empty.
  absl::Duration Percentile(double p) const;
  absl::Duration max() const { return absl::Microseconds(max_us_); }

 private:
  static constexpr int kSubBuckets = 64;
  static constexpr int kMagnitudes = 32;  // 2^32 us > 1 hour
  static int BucketOf(int64_t us);
  static int64_t UpperBoundOf(int bucket);

  std::array<int64_t, kSubBuckets * kMagnitudes> counts_{};
  int64_t count_ = 0;
  int64_t max_us_ = 0;
};

}  // namespace order_saga::bench
