// RetryUntil on a fake clock with the jitter pinned: which attempts are
// made, with which deadlines, and how long it pauses between them.
#include "saga/retry.h"

#include <vector>

#include <gtest/gtest.h>

#include "common/fake_clock.h"

namespace order_saga::coordinator {
namespace {

RetryPolicy PinnedPolicy() {
  RetryPolicy policy;
  policy.call_timeout = absl::Milliseconds(100);
  policy.initial_backoff = absl::Milliseconds(20);
  policy.max_backoff = absl::Milliseconds(50);
  policy.jitter = [](absl::Duration backoff) { return backoff; };
  return policy;
}

TEST(RetryUntilTest, BacksOffExponentiallyUpToTheMaximumWithThePinnedJitter) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  std::vector<absl::Duration> attempts_at;
  int calls = 0;
  absl::Status result = RetryUntil(clock, start + absl::Seconds(10), PinnedPolicy(),
                                   [&](absl::Time) {
                                     attempts_at.push_back(clock.Now() - start);
                                     return ++calls < 5 ? absl::UnavailableError("down")
                                                        : absl::OkStatus();
                                   });
  EXPECT_TRUE(result.ok()) << result;
  // Pauses of 20, 40, then 50 (the maximum) twice.
  EXPECT_EQ(attempts_at,
            (std::vector<absl::Duration>{absl::ZeroDuration(), absl::Milliseconds(20),
                                         absl::Milliseconds(60), absl::Milliseconds(110),
                                         absl::Milliseconds(160)}));
}

TEST(RetryUntilTest, EachAttemptGetsTheCallTimeoutOrWhatIsLeftOfTheDeadline) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  const absl::Time deadline = start + absl::Milliseconds(150);
  std::vector<absl::Duration> attempt_deadlines;
  absl::Status result = RetryUntil(clock, deadline, PinnedPolicy(), [&](absl::Time until) {
    attempt_deadlines.push_back(until - start);
    clock.Advance(until - clock.Now());  // each attempt times out
    return absl::DeadlineExceededError("silent");
  });
  EXPECT_TRUE(absl::IsDeadlineExceeded(result)) << result;
  // 0-100 ms, a 20 ms pause, then 120-150 ms (the deadline); then no time
  // is left for another pause.
  EXPECT_EQ(attempt_deadlines, (std::vector<absl::Duration>{absl::Milliseconds(100),
                                                            absl::Milliseconds(150)}));
}

TEST(RetryUntilTest, APermanentErrorIsNotRetriedAndAStoppedCallerMakesNoAttempt) {
  FakeClock clock;
  int calls = 0;
  absl::Status permanent = RetryUntil(clock, clock.Now() + absl::Seconds(1), PinnedPolicy(),
                                      [&](absl::Time) {
                                        ++calls;
                                        return absl::InvalidArgumentError("items: empty");
                                      });
  EXPECT_TRUE(absl::IsInvalidArgument(permanent));
  EXPECT_EQ(calls, 1);
  absl::Status stopped = RetryUntil(
      clock, clock.Now() + absl::Seconds(1), PinnedPolicy(),
      [&](absl::Time) {
        ++calls;
        return absl::OkStatus();
      },
      [] { return true; });
  EXPECT_TRUE(IsStoppedError(stopped)) << stopped;
  EXPECT_EQ(calls, 1);
}

TEST(RetryUntilTest, UnpinnedJitterStaysWithinHalfToOneAndAHalfTimesTheBackoff) {
  FakeClock clock;
  RetryPolicy policy = PinnedPolicy();
  policy.jitter = nullptr;
  policy.max_backoff = absl::Milliseconds(20);  // every pause from a 20 ms backoff
  const absl::Time start = clock.Now();
  std::vector<absl::Time> attempts;
  absl::Status result = RetryUntil(clock, start + absl::Seconds(10), policy, [&](absl::Time) {
    attempts.push_back(clock.Now());
    return attempts.size() < 200 ? absl::UnavailableError("down") : absl::OkStatus();
  });
  ASSERT_TRUE(result.ok()) << result;
  absl::Duration shortest = absl::InfiniteDuration(), longest = absl::ZeroDuration();
  for (size_t i = 1; i < attempts.size(); ++i) {
    shortest = std::min(shortest, attempts[i] - attempts[i - 1]);
    longest = std::max(longest, attempts[i] - attempts[i - 1]);
  }
  EXPECT_GE(shortest, absl::Milliseconds(10));
  EXPECT_LE(longest, absl::Milliseconds(30));
  EXPECT_LT(shortest, longest) << "the pauses are not jittered";
}

}  // namespace
}  // namespace order_saga::coordinator
