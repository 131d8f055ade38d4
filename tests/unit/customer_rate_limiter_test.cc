#include "saga/customer_rate_limiter.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/fake_clock.h"

namespace order_saga::coordinator {
namespace {

TEST(CustomerRateLimiterTest, BurstThenRateForOneCustomerOthersUnaffected) {
  FakeClock clock;
  CustomerRateLimiter limiter(/*rate=*/2, /*burst=*/3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("alice").ok()) << i;
  absl::Status refused = limiter.Admit("alice");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StartsWith(refused.message(), "customer_id")) << refused.message();
  EXPECT_TRUE(limiter.Admit("bob").ok());  // another customer's bucket
  clock.Advance(absl::Milliseconds(500));  // one token back at 2/s
  EXPECT_TRUE(limiter.Admit("alice").ok());
  EXPECT_FALSE(limiter.Admit("alice").ok());
  clock.Advance(absl::Minutes(5));  // idle: full again, never more than the burst
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("alice").ok()) << i;
  EXPECT_FALSE(limiter.Admit("alice").ok());
}

TEST(CustomerRateLimiterTest, RateZeroMeansNoLimit) {
  FakeClock clock;
  CustomerRateLimiter limiter(0, 1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Admit("alice").ok());
}

}  // namespace
}  // namespace order_saga::coordinator
