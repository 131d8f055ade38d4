// PinLocalTimeZone: TZ is set once so that glibc stops re-reading the zone
// on every mktime(), and local time stays what it was.
#include "common/local_time_zone.h"

#include <stdlib.h>
#include <time.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace order_saga {
namespace {

// Restores the TZ of the process (set or unset) after each test.
class LocalTimeZoneTest : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = getenv("TZ")) saved_ = tz;
  }
  void TearDown() override {
    if (saved_.has_value()) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

  // Local time of a few instants (the epoch, winter, summer) with their
  // offsets from UTC, as the process sees them now.
  static std::vector<std::string> LocalTimes() {
    std::vector<std::string> times;
    for (time_t t : {time_t{0}, time_t{1767225600}, time_t{1782864000}}) {
      tm local{};
      localtime_r(&t, &local);
      char text[64];
      strftime(text, sizeof(text), "%F %T %z %Z", &local);
      times.push_back(text);
    }
    return times;
  }

 private:
  std::optional<std::string> saved_;
};

TEST_F(LocalTimeZoneTest, SetsTheZoneGlibcUsesWhenTzIsUnset) {
  unsetenv("TZ");
  tzset();
  const std::vector<std::string> before = LocalTimes();

  PinLocalTimeZone();

  ASSERT_NE(getenv("TZ"), nullptr);
  EXPECT_STREQ(getenv("TZ"), ":/etc/localtime");
  EXPECT_EQ(LocalTimes(), before);
}

TEST_F(LocalTimeZoneTest, KeepsATimeZoneTheEnvironmentSets) {
  setenv("TZ", "KST-9", 1);  // a POSIX zone: needs no tzdata
  tzset();

  PinLocalTimeZone();

  EXPECT_STREQ(getenv("TZ"), "KST-9");
  time_t epoch = 0;
  tm local{};
  localtime_r(&epoch, &local);
  EXPECT_EQ(local.tm_hour, 9);
  EXPECT_EQ(local.tm_gmtoff, 9 * 3600);
}

}  // namespace
}  // namespace order_saga
