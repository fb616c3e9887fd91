// Unit tests of lib/admin: sizes, TSV and JSON text, record rows of the admin tools.
#include <gtest/gtest.h>

#include "accounts/password.h"
#include "accounts/records_codec.h"
#include "admin/format.h"
#include "admin/tool.h"

using namespace posta;
using namespace posta::accounts;

TEST(AdminTool, SizesAndTsv) {
  EXPECT_EQ(*admin::parse_size("1G"), 1ull << 30);
  EXPECT_EQ(*admin::parse_size("512k"), 512ull << 10);
  EXPECT_EQ(*admin::parse_size("0"), 0u);
  EXPECT_FALSE(admin::parse_size("G"));
  EXPECT_FALSE(admin::parse_size("1X"));
  EXPECT_FALSE(admin::parse_size("-1"));
  EXPECT_FALSE(admin::parse_size("99999999999999999999"));
  std::string s = "a\tb\\c\nd\x01";
  auto back = admin::tsv_unescape(admin::tsv_escape(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(admin::tsv_unescape("a\\"));
  EXPECT_FALSE(admin::tsv_unescape("a\\q"));
  EXPECT_EQ(admin::json_string("a\"\\\n"), "\"a\\\"\\\\\\u000a\"");
}

TEST(AdminFormat, UserTsvRoundTrip) {
  UserRecord u;
  u.address = "Bob@example.org";
  auto h = hash_password("pw");
  ASSERT_TRUE(h);
  u.password_hash = *h;
  u.quota_bytes = 5;
  u.maildir = "/home/x/mail/example.org/Bob/";
  u.created = 10;
  u.master = true;
  auto row = admin::format::user_tsv(u, "/home/x");
  auto back = admin::format::parse_user_tsv(row);
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(back->maildir, "");  // default maildir travels as ""
  EXPECT_EQ(back->password_hash, u.password_hash);
  EXPECT_TRUE(back->master);
  EXPECT_EQ(back->created, 10);
  u.maildir = "/elsewhere/";
  back = admin::format::parse_user_tsv(admin::format::user_tsv(u, "/home/x"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->maildir, "/elsewhere/");
  EXPECT_FALSE(admin::format::parse_user_tsv("a@b.org\t\t1"));
  EXPECT_FALSE(admin::format::parse_user_tsv("a@b.org\t{PLAIN}x\t1\t0\t0\t\t\t0\t0\t0"));
  EXPECT_FALSE(admin::format::parse_user_tsv("a@b.org\t\tmaybe\t0\t0\t\t\t0\t0\t0"));
  ListRecord l{"l@example.org", {"a@x.org", "b@x.org"}, PostingPolicy::kAnyone, {}, ReplyToPolicy::kSender, "d\tx"};
  auto lb = admin::format::parse_list_tsv(admin::format::list_tsv(l));
  ASSERT_TRUE(lb);
  EXPECT_EQ(encode(*lb), encode(l));
  AliasRecord a{"i@example.org", {"x@y.org", "z@y.org"}, true};
  auto ab = admin::format::parse_alias_tsv(admin::format::alias_tsv(a));
  ASSERT_TRUE(ab);
  EXPECT_EQ(encode(*ab), encode(a));
  DomainRecord d{"example.org", true, 3, 4, 5, "c@example.org", "sel", 6};
  auto db = admin::format::parse_domain_tsv(admin::format::domain_tsv(d));
  ASSERT_TRUE(db);
  EXPECT_EQ(encode(*db), encode(d));
}
