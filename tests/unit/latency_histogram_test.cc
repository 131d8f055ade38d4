// The benchmark's histogram: percentiles within its stated precision.
#include "bench/latency_histogram.h"

#include <gtest/gtest.h>

namespace order_saga::bench {
namespace {

TEST(LatencyHistogramTest, PercentilesAreWithinOnePointSixPercent) {
  LatencyHistogram histogram;
  for (int us = 1; us <= 100000; ++us) histogram.Record(absl::Microseconds(us));
  EXPECT_EQ(histogram.count(), 100000);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double expected = p * 1000;  // us
    const double got = absl::ToDoubleMicroseconds(histogram.Percentile(p));
    EXPECT_NEAR(got, expected, expected * 0.016) << "p" << p;
  }
  EXPECT_EQ(histogram.max(), absl::Microseconds(100000));
  EXPECT_EQ(histogram.Percentile(100), absl::Microseconds(100000));
}

TEST(LatencyHistogramTest, SmallValuesAreExactAndMergeAddsCounts) {
  LatencyHistogram a, b;
  a.Record(absl::Microseconds(3));
  b.Record(absl::Microseconds(7));
  b.Record(absl::Hours(2));  // beyond the top bucket: still counted
  a.Merge(b);
  EXPECT_EQ(a.count(), 3);
  EXPECT_EQ(a.Percentile(33), absl::Microseconds(3));
  EXPECT_EQ(a.Percentile(66), absl::Microseconds(7));
  EXPECT_EQ(a.max(), absl::Hours(2));
  EXPECT_EQ(LatencyHistogram().Percentile(50), absl::ZeroDuration());
}

}  // namespace
}  // namespace order_saga::bench
