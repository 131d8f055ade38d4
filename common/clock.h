// Time as a collaborator, so deadlines, backoff and ages can be tested
// without sleeping.
#pragma once

#include <algorithm>
#include <chrono>

#include "absl/time/time.h"

namespace order_saga {

// Thread-safe source of the current time that can also wait.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Blocks the caller for `duration` (a fake clock just advances).
  virtual void SleepFor(absl::Duration duration) = 0;
};

// The wall clock. A process-wide instance is returned by RealClock().
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override;
  void SleepFor(absl::Duration duration) override;
};

Clock& RealClock();

// `after` from now on the monotonic clock, for intervals inside a process
// that a wall clock stepped by NTP must not stretch or cut (at most a day:
// longer is capped, so that an infinite duration does not overflow).
inline std::chrono::steady_clock::time_point SteadyAfter(absl::Duration after) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             absl::ToChronoNanoseconds(std::min(after, absl::Hours(24))));
}

}  // namespace order_saga
