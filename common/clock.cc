#include "common/clock.h"

#include "absl/time/clock.h"

namespace order_saga {

absl::Time SystemClock::Now() const { return absl::Now(); }

void SystemClock::SleepFor(absl::Duration duration) { absl::SleepFor(duration); }

Clock& RealClock() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

}  // namespace order_saga
