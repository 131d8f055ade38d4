// W3C traceparent parsing and the per-thread trace id.
#include "common/trace_context.h"

#include <thread>

#include <gtest/gtest.h>

namespace order_saga {
namespace {

TEST(TraceContextTest, TakesTheTraceIdOfAValidTraceparentOnly) {
  EXPECT_EQ(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  for (const char* bad : {
           "",
           "garbage",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // unknown version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero span
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   // 31 digits
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",     // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
       }) {
    EXPECT_FALSE(TraceIdFromTraceparent(bad).has_value()) << bad;
  }
}

TEST(TraceContextTest, NewTraceIdsAndTraceparentsAreWellFormed) {
  const std::string id = NewTraceId();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_NE(NewTraceId(), id);
  const std::string traceparent = TraceparentFor(id);
  EXPECT_EQ(TraceIdFromTraceparent(traceparent), id) << traceparent;
  EXPECT_NE(TraceparentFor(id), traceparent);  // a new span id each time
}

TEST(TraceContextTest, ScopesNestAndBelongToTheirThread) {
  EXPECT_EQ(CurrentTraceId(), "");
  {
    ScopedTraceId outer("aaaa");
    EXPECT_EQ(CurrentTraceId(), "aaaa");
    {
      ScopedTraceId inner("bbbb");
      EXPECT_EQ(CurrentTraceId(), "bbbb");
      std::string seen_elsewhere = "unset";
      std::thread([&] { seen_elsewhere = CurrentTraceId(); }).join();
      EXPECT_EQ(seen_elsewhere, "");
    }
    EXPECT_EQ(CurrentTraceId(), "aaaa");
  }
  EXPECT_EQ(CurrentTraceId(), "");
  EXPECT_EQ(TraceTag(""), "");
  EXPECT_EQ(TraceTag("abc"), "trace=abc ");
}

}  // namespace
}  // namespace order_saga
