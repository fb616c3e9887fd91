#include <gtest/gtest.h>

#include "mime/date.h"

using namespace posta::mime;

namespace {
std::optional<time_t> utc(const char* s) {
  auto t = parse_mail_date(s);
  return t ? std::optional<time_t>(t->utc) : std::nullopt;
}
constexpr time_t k20030701_085237 = 1057049557;  // 2003-07-01 08:52:37 UTC
}  // namespace

TEST(MimeDate, CurrentForm) {
  EXPECT_EQ(utc("Tue, 1 Jul 2003 10:52:37 +0200"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 01 Jul 2003 10:52:37 +0200"), k20030701_085237);
  EXPECT_EQ(utc("1 Jul 2003 10:52:37 +0200"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 03:22:37 -0530"), k20030701_085237);
  EXPECT_EQ(parse_mail_date("Tue, 1 Jul 2003 03:22:37 -0530")->offset_minutes, -330);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 10:52 +0200"), k20030701_085237 - 37);
  EXPECT_EQ(utc("Thu, 1 Jan 1970 00:00:00 +0000"), 0);
  EXPECT_EQ(utc("Sat, 31 Dec 2016 23:59:60 +0000"), 1483228800);  // leap second
}

TEST(MimeDate, ObsoleteForms) {
  EXPECT_EQ(utc("Tue, 1 Jul 03 08:52:37 GMT"), k20030701_085237);  // 2-digit year < 50
  EXPECT_EQ(utc("Tue, 1 Jul 103 08:52:37 UT"), k20030701_085237);  // 3-digit year
  EXPECT_EQ(utc("1 Jan 99 00:00 GMT"), 915148800);                 // 2-digit year >= 50
  EXPECT_EQ(utc("Tue, 1 Jul 2003 04:52:37 EDT"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 01:52:37 PDT"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 00:52:37 pst"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 08:52:37 Z"), k20030701_085237);   // military: -0000
  EXPECT_EQ(utc("Tue, 1 Jul 2003 08:52:37 A"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 08:52:37 CEST"), k20030701_085237);  // unknown: -0000
  EXPECT_EQ(utc("Tue 1 Jul 2003 10:52:37 +0200"), k20030701_085237);   // no comma
  EXPECT_EQ(utc("Tuesday, 1 Jul 2003 10:52:37 +0200"), k20030701_085237);
  EXPECT_EQ(utc(" (sent) Tue , 1\r\n Jul (month) 2003\t10 : 52 : 37 +0200 (CEST)"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 10:52:37 +0200 CEST"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 08:52:37"), k20030701_085237);  // no zone: UTC
  EXPECT_EQ(utc("1-Jul-2003 10:52:37 +0200"), k20030701_085237);
  EXPECT_EQ(utc("Tue, 1 Jul 2003 8:52:37 +0000"), k20030701_085237);  // 1-digit hour
  EXPECT_EQ(utc("Tue, 1 Jul 2003 10:52:37 +0200 ((nested) comment \\) )"), k20030701_085237);
}

TEST(MimeDate, Garbage) {
  for (const char* bad : {"", " ", "not a date", "Tue,", "Tue, 1", "Tue, 1 Jul", "Tue, 1 Jul 2003",
                          "Tue, 1 Jul 2003 10", "Tue, 1 Jul 2003 10:", "1 Foo 2003 10:00 +0000",
                          "32 Jan 2003 10:00 +0000", "0 Jan 2003 10:00 +0000", "1 Jan 2003 24:00 +0000",
                          "1 Jan 2003 10:60 +0000", "1 Jan 2003 10:00:61 +0000", "1 Jan 2003 10:00 +2400",
                          "1 Jan 2003 10:00 +02", "1 Jan 2003 10:00 +02:00", "1 Jan 20031 10:00 +0000",
                          "1 Jan 2 10:00 +0000", "Jul 1 2003 10:00 +0000", "2003-07-01T10:52:37Z",
                          "123 Jan 2003 10:00 +0000", "1 Jan 2003 100:00 +0000", "1 Jan 2003 10:000 +0000",
                          "1 Jan 2003 10:00 !", "(unclosed comment 1 Jan 2003 10:00 +0000",
                          "Tue, 1 Jul 2003 10:52:37 +02x0", "\x01\xff", "1 Jan 2003 -10:00 +0000"})
    EXPECT_EQ(parse_mail_date(bad), std::nullopt) << bad;
  std::string huge(100000, '(');
  EXPECT_EQ(parse_mail_date(huge), std::nullopt);
  EXPECT_EQ(parse_mail_date(std::string(100000, '1')), std::nullopt);
}

TEST(MimeDate, Zones) {
  EXPECT_EQ(parse_zone("+2400"), std::nullopt);
  EXPECT_EQ(parse_zone("-0130"), -90);
  EXPECT_EQ(parse_zone("+0060"), std::nullopt);
  EXPECT_EQ(parse_zone("0100"), std::nullopt);
}
