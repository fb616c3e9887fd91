#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "io/fd.h"
#include "retention/hold.h"
#include "retention/policy.h"
#include "tmpdir.h"

using namespace posta;

TEST(Retention, ParseAndPick) {
  auto rules = retention::parse_rules({"*  Trash 30", "*\tJunk\t30", "* Sent 1825", "* * 3650", "Example.ORG * 365",
                                       "example.org Trash 7"});
  ASSERT_TRUE(rules) << rules.error().what;
  ASSERT_EQ(rules->size(), 6u);
  EXPECT_EQ((*rules)[4].domain, "example.org");
  auto days = [&](const char* d, const char* f) {
    const auto* r = retention::rule_for(*rules, d, f);
    return r ? static_cast<int>(r->days) : -1;
  };
  EXPECT_EQ(days("other.org", "Trash"), 30);
  EXPECT_EQ(days("other.org", "trash"), 30);
  EXPECT_EQ(days("other.org", "INBOX"), 3650);
  EXPECT_EQ(days("example.org", "INBOX"), 365);   // the domain's own rule beats "* *"
  EXPECT_EQ(days("example.org", "Junk"), 30);     // a named folder beats the domain's "*"
  EXPECT_EQ(days("example.org", "Trash"), 7);     // both named
  auto none = retention::parse_rules({"* Trash 30"});
  ASSERT_TRUE(none);
  EXPECT_EQ(retention::rule_for(*none, "x.org", "INBOX"), nullptr);
}

TEST(Retention, BadLinesNamed) {
  for (const char* bad : {"* Trash", "* Trash 0", "* Trash 40000", "* Trash x", "a@b.org * 3", "nodot * 3", "* * 3 4"}) {
    auto r = retention::parse_rules({"* * 10", bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().what.find("line 2"), std::string::npos) << r.error().what;
  }
}

TEST(Retention, LegalHold) {
  std::vector<std::string> holds = {"bob@example.org", "held.example"};
  EXPECT_TRUE(retention::on_hold(holds, "bob@example.org"));
  EXPECT_TRUE(retention::on_hold(holds, "BOB@example.org"));
  EXPECT_TRUE(retention::on_hold(holds, "anyone@held.example"));
  EXPECT_FALSE(retention::on_hold(holds, "alice@example.org"));
  EXPECT_FALSE(retention::on_hold(holds, "bob@example.org.evil"));
  EXPECT_FALSE(retention::on_hold({}, "bob@example.org"));
}

TEST(Retention, KeepCopyInTheHeldStore) {
  test::TempDir home("retention-test");
  ASSERT_EQ(::mkdir((home.path + "/mail").c_str(), 0700), 0);
  std::string msg = home.path + "/mail/1.M1P1.h:2,S";
  std::ofstream(msg) << "Subject: kept\n\nbody\n";
  ASSERT_TRUE(retention::keep_copy(home.path, "bob@example.org", msg));
  ASSERT_TRUE(retention::keep_copy(home.path, "bob@example.org", msg));  // again: no error
  std::string kept = retention::held_maildir(home.path, "bob@example.org") + "/cur/1.M1P1.h:2,S";
  EXPECT_EQ(*read_file(kept), "Subject: kept\n\nbody\n");
  EXPECT_EQ(retention::held_maildir(home.path, "../x"), home.path + "/mail/.held/_.._x");
  EXPECT_FALSE(retention::keep_copy(home.path, "bob@example.org", home.path + "/missing"));
}
