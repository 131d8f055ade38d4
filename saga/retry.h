// Retries a participant call while its outcome is unknown, with jittered
// exponential backoff, until a deadline.
#pragma once

#include <algorithm>
#include <functional>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace order_saga::coordinator {

struct RetryPolicy {
  // Each attempt gets at most this long.
  absl::Duration call_timeout = absl::Seconds(1);
  absl::Duration initial_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(500);
  // The pause before the next attempt for the current backoff; unset:
  // uniformly from half to one and a half times it (so that sagas that
  // failed together do not retry together). Tests pin it.
  std::function<absl::Duration(absl::Duration backoff)> jitter;
};

// True for the codes that leave a call's outcome unknown or that a retry can
// fix: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED.
bool IsRetryable(const absl::Status& status);

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// What RetryUntil answers once its caller gave up (the coordinator is shutting
// down) before an attempt: no new attempt is made.
inline absl::Status StoppedError() {
  return absl::UnavailableError("the coordinator is shutting down; recovery finishes the order");
}
inline bool IsStoppedError(const absl::Status& status) {
  return absl::IsUnavailable(status) && status.message() == StoppedError().message();
}

// What a call answers that was never sent: its deadline passed before it
// could be (RetryUntil before any attempt, or a batch that dropped a member
// that expired while it queued). The participant was not asked.
inline absl::Status NotSentError() {
  return absl::DeadlineExceededError("the deadline passed before the call was sent");
}
inline bool IsNotSentError(const absl::Status& status) {
  return absl::IsDeadlineExceeded(status) && status.message() == NotSentError().message();
}

// Calls `call(attempt_deadline)` until it succeeds, fails with a code that is
// not retryable, or `deadline` passes (then returns the last status, or
// DEADLINE_EXCEEDED if no attempt could be made). Once `stopped()` is true,
// no new attempt is made (StoppedError(); the attempt in flight ends by its
// own deadline).
template <typename Call, typename Stopped>
auto RetryUntil(Clock& clock, absl::Time deadline, const RetryPolicy& policy, Call call,
                const Stopped& stopped) -> decltype(call(deadline)) {
  absl::BitGen random;
  absl::Duration backoff = policy.initial_backoff;
  decltype(call(deadline)) result = NotSentError();
  while (true) {
    const absl::Time now = clock.Now();
    if (now >= deadline) return result;
    if (stopped()) return StoppedError();
    result = call(std::min(deadline, now + policy.call_timeout));
    if (result.ok() || !IsRetryable(StatusOf(result))) return result;
    const absl::Duration pause =
        policy.jitter ? policy.jitter(backoff) : backoff * absl::Uniform(random, 0.5, 1.5);
    if (clock.Now() + pause >= deadline) return result;
    clock.SleepFor(pause);
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
}

template <typename Call>
auto RetryUntil(Clock& clock, absl::Time deadline, const RetryPolicy& policy, Call call)
    -> decltype(call(deadline)) {
  return RetryUntil(clock, deadline, policy, call, [] { return false; });
}

}  // namespace order_saga::coordinator
