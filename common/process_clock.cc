#include "common/process_clock.h"

#include <gflags/gflags.h>

#include "absl/time/clock.h"

DEFINE_int32(test_clock_offset_ms, 0,
             "tests only: this process's clock runs this far ahead of the system clock "
             "(negative: behind), to test clocks that disagree; 0 in production "
             "(env TEST_CLOCK_OFFSET_MS)");

namespace order_saga {

absl::Time OffsetClock::Now() const { return absl::Now() + offset_; }

void OffsetClock::SleepFor(absl::Duration duration) { absl::SleepFor(duration); }

Clock& ProcessClock() {
  static Clock* clock = FLAGS_test_clock_offset_ms == 0
                            ? &RealClock()
                            : new OffsetClock(absl::Milliseconds(FLAGS_test_clock_offset_ms));
  return *clock;
}

}  // namespace order_saga
