#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "queue/maildate.h"

using posta::queue::rfc5322_date;

namespace {

// Sets TZ for one test and puts the old value back.
class ZoneGuard {
 public:
  explicit ZoneGuard(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ZoneGuard() {
    if (had_) ::setenv("TZ", old_.c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::string old_;
  bool had_ = false;
};

}  // namespace

TEST(QueueMailDate, TwoDigitDayAndZeroPaddedTime) {
  ZoneGuard tz("UTC0");
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1767225600 + 6 * 86400 + 3 * 3600 + 4 * 60 + 5),  // 2026-01-07 03:04:05
            "Wed, 07 Jan 2026 03:04:05 +0000");
  EXPECT_EQ(rfc5322_date(1798761599), "Thu, 31 Dec 2026 23:59:59 +0000");
}

TEST(QueueMailDate, ZoneOffsetBothSigns) {
  {
    ZoneGuard tz("<+0530>-5:30");
    EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 05:30:00 +0530");
  }
  {
    ZoneGuard tz("<-0345>3:45");
    EXPECT_EQ(rfc5322_date(0), "Wed, 31 Dec 1969 20:15:00 -0345");
  }
}
