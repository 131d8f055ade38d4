// The clock a server process runs on: the system clock, shifted by
// --test_clock_offset_ms. The offset exists for the skew tests (a
// coordinator whose clock is 30 s ahead of the inventory's, say): Debian's
// libfaketime makes our gRPC servers spin on two cores, so the offset is
// injected here instead. Production leaves it at 0.
#pragma once

#include "common/clock.h"

namespace order_saga {

// The system clock plus `offset`; sleeps are real.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(absl::Duration offset) : offset_(offset) {}
  absl::Time Now() const override;
  void SleepFor(absl::Duration duration) override;

 private:
  const absl::Duration offset_;
};

// RealClock(), or an OffsetClock if --test_clock_offset_ms is set. Call
// after the flags are parsed; the same instance every time.
Clock& ProcessClock();

}  // namespace order_saga
