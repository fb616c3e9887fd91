// lib/sieve/vacation_script: the script posta-user vacation writes.
#include <gtest/gtest.h>

#include "sieve/sieve.h"
#include "sieve/vacation_script.h"

using namespace posta::sieve;

TEST(SieveVacationScript, PlainScript) {
  VacationSettings s{"Out of office", "I am away.\n.hidden dot\n", "", 7, ""};
  auto text = vacation_script(s);
  ASSERT_TRUE(text) << text.error().what;
  EXPECT_NE(text->find("require [\"vacation\"];"), std::string::npos);
  EXPECT_NE(text->find("vacation :days 7 :subject \"Out of office\" text:\r\nI am away.\r\n..hidden dot\r\n"),
            std::string::npos);
  EXPECT_EQ(text->find("currentdate"), std::string::npos);
  EXPECT_EQ(text->find("include"), std::string::npos);
  EXPECT_FALSE(vacation_included(*text));
}

TEST(SieveVacationScript, UntilAndInclude) {
  VacationSettings s{"Away \"now\"", "back soon", "2027-01-31", 3, "my rules"};
  auto text = vacation_script(s);
  ASSERT_TRUE(text) << text.error().what;
  EXPECT_NE(text->find("require [\"vacation\", \"date\", \"relational\", \"include\"];"), std::string::npos);
  EXPECT_NE(text->find("if currentdate :value \"le\" \"date\" \"2027-01-31\" {"), std::string::npos);
  EXPECT_NE(text->find(":subject \"Away \\\"now\\\"\""), std::string::npos);
  EXPECT_NE(text->find("include :personal \"my rules\";"), std::string::npos);
  EXPECT_EQ(vacation_included(*text), "my rules");
}

TEST(SieveVacationScript, UntilEndsTheRepliesAfterThatDay) {
  auto text = vacation_script({"Away", "back soon", "2027-01-31", 3, ""});
  ASSERT_TRUE(text) << text.error().what;
  auto script = compile(*text);
  ASSERT_TRUE(script) << script.error().what;
  std::string raw = "From: a@remote.test\r\nTo: me@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
  Message msg;
  msg.raw = raw;
  msg.envelope_from = "a@remote.test";
  msg.envelope_to = "me@example.com";
  auto replies_at = [&](int64_t now) {
    RunOptions opt;
    opt.now = now;
    opt.zone_known = true;  // UTC
    auto out = run(*script, msg, opt);
    EXPECT_TRUE(out) << out.error().what;
    for (const auto& a : out->actions)
      if (a.kind == Action::kVacation) return true;
    return false;
  };
  EXPECT_TRUE(replies_at(1801389600));   // 2027-01-31 10:00 UTC, the last day
  EXPECT_TRUE(replies_at(1801439999));   // 2027-01-31 23:59:59
  EXPECT_FALSE(replies_at(1801440000));  // 2027-02-01 00:00
}

TEST(SieveVacationScript, RefusesBadSettings) {
  EXPECT_FALSE(vacation_script({"", "b", "", 7, ""}));
  EXPECT_FALSE(vacation_script({"two\nlines", "b", "", 7, ""}));
  EXPECT_FALSE(vacation_script({"s", "", "", 7, ""}));
  EXPECT_FALSE(vacation_script({"s", "bad \xFF utf-8", "", 7, ""}));
  EXPECT_FALSE(vacation_script({"s", std::string("nul\0", 4), "", 7, ""}));
  EXPECT_FALSE(vacation_script({"s", "b", "2027-02-29", 7, ""}));
  EXPECT_FALSE(vacation_script({"s", "b", "31/01/2027", 7, ""}));
  EXPECT_FALSE(vacation_script({"s", "b", "", 0, ""}));
  EXPECT_FALSE(vacation_script({"s", "b", "", 366, ""}));
}

TEST(SieveVacationScript, Dates) {
  EXPECT_TRUE(valid_iso_date("2028-02-29"));
  EXPECT_TRUE(valid_iso_date("2000-02-29"));
  EXPECT_FALSE(valid_iso_date("1900-02-29"));
  EXPECT_FALSE(valid_iso_date("2027-13-01"));
  EXPECT_FALSE(valid_iso_date("2027-04-31"));
  EXPECT_FALSE(valid_iso_date("2027-4-30"));
  EXPECT_FALSE(valid_iso_date("2027-04-3x"));
  EXPECT_EQ(sieve_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
}
