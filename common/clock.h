// Time as a collaborator, so deadlines, backoff and ages can be tested
// without sleeping.
#pragma once

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

}  // namespace order_saga
