// Unit tests of lib/accounts: addresses, record codec, passwords, resolve.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts/address.h"
#include "accounts/lookup.h"
#include "accounts/mailbox.h"
#include "accounts/password.h"
#include "accounts/ratelimit.h"
#include "accounts/records.h"
#include "accounts/records_codec.h"
#include "accounts_home.h"
#include "io/fd.h"
#include "tmpdir.h"

using namespace posta::accounts;

namespace {

// The error code of a write that must be refused; the test fails if it succeeded.
int refusal(const posta::Status& st) {
  EXPECT_FALSE(st) << "the write succeeded";
  return st ? 0 : st.error().code;
}

}  // namespace

TEST(AccountsAddress, ValidAndNormalised) {
  auto a = valid_address("John.Doe+tag@Example.ORG");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->local, "John.Doe+tag");
  EXPECT_EQ(a->domain, "example.org");
  EXPECT_EQ(a->str(), "John.Doe+tag@example.org");
  EXPECT_EQ(a->key(), "example.org/john.doe+tag");
  EXPECT_TRUE(valid_address("a@b"));
  EXPECT_TRUE(valid_address("x_y-z!#$&'*=?^`{|}~@mail-1.example.com"));
}

TEST(AccountsAddress, Refused) {
  const char* bad[] = {"", "noat", "@example.org", "user@", "us er@example.org", "a/b@example.org",
                       "../x@example.org", "..@example.org", ".a@example.org", "a.@example.org",
                       "a..b@example.org", "a\"b@example.org", "a,b@example.org", "a@b@example.org",
                       "a@exa_mple.org", "a@-example.org", "a@example..org", "a@.example.org",
                       "a@example.org.", "a\x01@example.org", "a@exam\tple.org", "\xc3\xa9@example.org",
                       "a\x7f@example.org"};
  for (const char* s : bad) {
    auto a = valid_address(s);
    EXPECT_FALSE(a) << s;
    if (!a) {
      EXPECT_EQ(a.error().code, kErrInvalid) << s;
      EXPECT_FALSE(is_temporary(a.error()));
    }
  }
  EXPECT_FALSE(valid_address(std::string("a\0b@example.org", 15)));
  std::string longlocal(65, 'a');
  EXPECT_FALSE(valid_address(longlocal + "@example.org"));
  std::string label(63, 'b');
  std::string dom = label + "." + label + "." + label + "." + std::string(57, 'c') + ".org";  // 253
  EXPECT_TRUE(valid_domain(dom));
  EXPECT_FALSE(valid_address("a@" + dom));  // 255 octets
  EXPECT_FALSE(valid_domain(std::string(64, 'x') + ".org"));
}

TEST(AccountsAddress, SplitDetail) {
  auto s = split_detail("user+tag+more");
  EXPECT_EQ(s.base, "user");
  EXPECT_EQ(s.detail, "tag+more");
  EXPECT_EQ(split_detail("user").detail, "");
  EXPECT_EQ(split_detail("+user").base, "+user");
  EXPECT_EQ(split_detail("user-x", "-+").base, "user");
  EXPECT_EQ(split_detail("user+x", "").base, "user+x");
}

TEST(AccountsRecords, UserRoundTrip) {
  UserRecord u;
  u.address = "Bob@example.org";
  u.local = "Bob";
  u.domain = "example.org";
  u.password_hash = "$y$j9T$abc$def";
  u.enabled = false;
  u.quota_bytes = 1ull << 40;
  u.quota_messages = 12;
  u.maildir = "/var/posta/mail/example.org/Bob/ with % and \n newline\x01";
  u.store_host = "store1";
  u.created = 1700000000;
  u.last_login = -5;
  u.master = true;
  auto enc = encode(u);
  auto d = decode_user(enc);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(encode(*d), enc);
  EXPECT_EQ(d->maildir, u.maildir);
  EXPECT_EQ(d->quota_bytes, u.quota_bytes);
  EXPECT_EQ(d->last_login, -5);
  EXPECT_TRUE(d->master);
  EXPECT_FALSE(d->enabled);
}

TEST(AccountsRecords, OthersRoundTrip) {
  DomainRecord d{"example.org", false, 10, 1 << 20, 100, "catch@example.org", "s2024", 17};
  auto dd = decode_domain(encode(d));
  ASSERT_TRUE(dd);
  EXPECT_EQ(encode(*dd), encode(d));
  AliasRecord a{"info@example.org", {"a@example.org", "b@remote.test"}, true};
  auto ad = decode_alias(encode(a));
  ASSERT_TRUE(ad);
  EXPECT_EQ(ad->targets, a.targets);
  EXPECT_TRUE(ad->keep_copy);
  AliasRecord empty{"x@example.org", {}, false};
  ASSERT_TRUE(decode_alias(encode(empty)));
  ListRecord l{"dev@example.org", {"a@x.org", "b@y.org"}, PostingPolicy::kModerators, {"m@x.org"},
               ReplyToPolicy::kList, "Developers %100"};
  auto ld = decode_list(encode(l));
  ASSERT_TRUE(ld);
  EXPECT_EQ(encode(*ld), encode(l));
  EXPECT_EQ(ld->posting, PostingPolicy::kModerators);
  EXPECT_EQ(ld->reply_to, ReplyToPolicy::kList);
}

TEST(AccountsRecords, StrictParser) {
  UserRecord u;
  u.address = "a@b.org";
  std::string good = encode(u);
  ASSERT_TRUE(decode_user(good));
  EXPECT_FALSE(decode_user(good + "x"));                         // trailing bytes
  EXPECT_FALSE(decode_user(good + "master=0\n"));                // duplicate field
  EXPECT_FALSE(decode_user(good.substr(0, good.size() - 1)));    // unterminated
  EXPECT_FALSE(decode_user("posta-user 2\n" + good.substr(13))); // version
  EXPECT_FALSE(decode_domain(good));                             // kind
  EXPECT_FALSE(decode_user(""));
  auto swap = good;
  auto p = swap.find("local=");
  auto q = swap.find("domain=");
  ASSERT_NE(p, std::string::npos);
  std::string local_line = swap.substr(p, q - p);
  swap.erase(p, local_line.size());
  swap.insert(swap.find("password="), local_line);
  EXPECT_FALSE(decode_user(swap));  // reordered
  auto num = good;
  num.replace(num.find("quota_bytes=0"), 13, "quota_bytes=01");
  EXPECT_FALSE(decode_user(num));  // non-canonical number
  num = good;
  num.replace(num.find("quota_bytes=0"), 13, "quota_bytes=-1");
  EXPECT_FALSE(decode_user(num));
  num = good;
  num.replace(num.find("enabled=1"), 9, "enabled=2");
  EXPECT_FALSE(decode_user(num));
}

TEST(AccountsRecords, Escapes) {
  using codec::escape;
  using codec::unescape;
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  auto back = unescape(escape(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
  EXPECT_FALSE(unescape("%4"));
  EXPECT_FALSE(unescape("%zz"));
  EXPECT_FALSE(unescape("%0a"));  // lower-case hex is not canonical
  EXPECT_FALSE(unescape("%41"));  // needless escape of 'A'
  EXPECT_FALSE(unescape("a\nb"));
  EXPECT_TRUE(unescape("%25"));
}

TEST(AccountsPassword, HashAndVerify) {
  auto h = hash_password("correct horse");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->substr(0, 3), "$y$");
  EXPECT_TRUE(verify_password("correct horse", *h));
  EXPECT_FALSE(verify_password("correct horsE", *h));
  EXPECT_FALSE(verify_password("", *h));
  EXPECT_FALSE(verify_password("x", ""));
  EXPECT_FALSE(verify_password("x", "*"));
  EXPECT_FALSE(verify_password("x", "!$y$whatever"));
  auto h2 = hash_password("correct horse");
  ASSERT_TRUE(h2);
  EXPECT_NE(*h, *h2);  // fresh salt
}

TEST(AccountsPassword, ImportedSchemes) {
  // sha512-crypt and bcrypt of "secret" (generated with python crypt / htpasswd -B).
  const std::string sha = "$6$saltsalt$bcXJ8qxwY5sQ4v8MTl.0B1jeZ0z0q8Ao6e1dgR6oVGBHk8l7U8Z4wE1oyJSZrSaj3kH.eq2g.kgJNA4ZmKjpP/";
  auto n = normalize_hash("{SHA512-CRYPT}" + sha);
  ASSERT_TRUE(n) << n.error().what;
  EXPECT_EQ(*n, sha);
  auto own = hash_password("pw");
  ASSERT_TRUE(own);
  EXPECT_TRUE(normalize_hash("{CRYPT}" + *own));
  EXPECT_TRUE(normalize_hash("{YESCRYPT}" + *own));
  EXPECT_FALSE(normalize_hash("{SHA512-CRYPT}" + *own));  // scheme mismatch
  EXPECT_FALSE(normalize_hash("{PLAIN}secret"));
  EXPECT_FALSE(normalize_hash("{CLEARTEXT}secret"));
  EXPECT_FALSE(normalize_hash("secret"));
  EXPECT_FALSE(normalize_hash("$6$salt$bad hash"));
  EXPECT_FALSE(normalize_hash(""));
}

TEST(AccountsPassword, VerifiesSha512AndBcrypt) {
  // Made by python3 crypt.crypt("secret", ...) (libxcrypt).
  const std::string sha512 = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
  const std::string bcrypt = "$2b$12$.oUHbvJF4uLRcTcmxhSyuOMQ2FUtKojwYPUk4qBcZSC4/rlxtuowe";
  EXPECT_TRUE(verify_password("secret", sha512));
  EXPECT_FALSE(verify_password("Secret", sha512));
  EXPECT_TRUE(verify_password("secret", bcrypt));
  EXPECT_FALSE(verify_password("secre", bcrypt));
  auto n = normalize_hash("{BLF-CRYPT}" + bcrypt);
  ASSERT_TRUE(n);
  EXPECT_TRUE(verify_password("secret", *n));
  n = normalize_hash("{SHA512-CRYPT}" + sha512);
  ASSERT_TRUE(n);
  EXPECT_TRUE(verify_password("secret", *n));
  EXPECT_FALSE(normalize_hash("{BLF-CRYPT}" + sha512));
}

TEST(AccountsRatelimit, Delay) {
  EXPECT_EQ(failure_delay_ms(0, 4000), 0u);
  EXPECT_EQ(failure_delay_ms(1, 4000), 0u);
  EXPECT_EQ(failure_delay_ms(2, 4000), 250u);
  EXPECT_EQ(failure_delay_ms(3, 4000), 500u);
  EXPECT_EQ(failure_delay_ms(6, 4000), 4000u);
  EXPECT_EQ(failure_delay_ms(1000, 4000), 4000u);
  EXPECT_EQ(failure_delay_ms(5, 300), 300u);
}

TEST(AccountsMailbox, CreateAndRemove) {
  posta::test::TempDir d("posta-acc-unit");
  std::string md = d.path + "/mail/example.org/alice/";
  ASSERT_TRUE(create_maildir(md));
  ASSERT_TRUE(create_maildir(md));  // idempotent
  for (const char* p : {"cur", "new", "tmp", ".Sent/cur", ".Trash/maildirfolder", ".Archive/tmp"})
    EXPECT_EQ(::access((md + p).c_str(), F_OK), 0) << p;
  auto subs = posta::read_file(md + "subscriptions");
  ASSERT_TRUE(subs);
  EXPECT_EQ(*subs, "Drafts\nSent\nTrash\nJunk\nArchive\n");
  EXPECT_FALSE(create_maildir("relative/path"));
  ASSERT_TRUE(remove_maildir(md));
  EXPECT_NE(::access(md.c_str(), F_OK), 0);
  EXPECT_TRUE(remove_maildir(md));  // already gone
  EXPECT_FALSE(remove_maildir("/"));
}

class AccountsResolve : public posta::test::AccountsHome {
 protected:
  AccountsResolve() : AccountsHome("posta-acc-unit") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(AccountsHome::SetUp());
    ASSERT_TRUE(acc->add_domain({"other.org", true, 0, 0, 0, "postmaster@other.org", "", 0}));
    ASSERT_TRUE(acc->add_domain({"off.org", false, 0, 0, 0, "", "", 0}));
    UserRecord u;
    u.address = "Alice@Example.ORG";
    ASSERT_TRUE(acc->add_user(u));
    u.address = "dis@example.org";
    u.enabled = false;
    ASSERT_TRUE(acc->add_user(u));
    ASSERT_TRUE(acc->add_alias({"info@example.org", {"alice@example.org", "x@remote.test"}, false}));
    ListRecord l;
    l.address = "dev@example.org";
    l.members = {"alice@example.org"};
    ASSERT_TRUE(acc->add_list(l));
  }
  // What address resolves to; the test fails unless it resolves, and to kind.
  Resolution resolved_as(const std::string& address, Resolution::Kind kind) {
    auto r = acc->resolve(address);
    EXPECT_TRUE(r) << address;
    if (!r) return {};
    EXPECT_EQ(r->kind, kind) << address;
    return *r;
  }
};

TEST_F(AccountsResolve, Kinds) {
  auto r = resolved_as("alice@example.org", Resolution::kUser);
  EXPECT_EQ(r.user.address, "Alice@example.org");
  EXPECT_EQ(r.user.maildir, home + "/mail/example.org/Alice/");
  EXPECT_EQ(resolved_as("ALICE+news@example.ORG", Resolution::kUser).detail, "news");
  EXPECT_EQ(resolved_as("info@example.org", Resolution::kAlias).targets.size(), 2u);
  EXPECT_EQ(resolved_as("dev+x@example.org", Resolution::kList).list.members.size(), 1u);
  resolved_as("dis@example.org", Resolution::kDisabled);
  resolved_as("nobody@example.org", Resolution::kUnknownUser);
  r = resolved_as("nobody@other.org", Resolution::kAlias);
  EXPECT_TRUE(r.catchall);
  EXPECT_EQ(r.targets, std::vector<std::string>{"postmaster@other.org"});
  resolved_as("a@off.org", Resolution::kDisabled);
  resolved_as("a@elsewhere.test", Resolution::kNotLocal);
  EXPECT_FALSE(acc->resolve("../x@example.org"));
  EXPECT_TRUE(*acc->is_local_domain("EXAMPLE.org"));
  EXPECT_FALSE(*acc->is_local_domain("nope.org"));
}

TEST_F(AccountsResolve, Writes) {
  UserRecord u;
  u.address = "alice@example.org";
  EXPECT_EQ(refusal(acc->add_user(u)), kErrExists);
  u.address = "dev@example.org";  // taken by a list
  EXPECT_EQ(refusal(acc->add_user(u)), kErrExists);
  EXPECT_EQ(refusal(acc->add_alias({"dev@example.org", {"a@b.org"}, false})), kErrExists);
  EXPECT_EQ(refusal(acc->add_alias({"info@example.org", {"a@b.org"}, false})), kErrExists);
  // An alias with keep_copy next to the user of the same address.
  ASSERT_TRUE(acc->add_alias({"alice@example.org", {"x@remote.test"}, true}));
  auto r = resolved_as("alice+t@example.org", Resolution::kAlias);
  EXPECT_TRUE(r.keep_copy);
  EXPECT_EQ(r.user.address, "Alice@example.org");
  EXPECT_EQ(r.detail, "t");
  ASSERT_TRUE(acc->del_alias("alice@example.org"));
  u.address = "x@unknown.org";
  EXPECT_EQ(refusal(acc->add_user(u)), kErrNotFound);
  ASSERT_TRUE(acc->put_domain({"example.org", true, 3, 0, 0, "", "", 1}));
  u.address = "third@example.org";
  ASSERT_TRUE(acc->add_user(u));
  u.address = "fourth@example.org";
  EXPECT_EQ(refusal(acc->add_user(u)), kErrRefused);
  EXPECT_EQ(*acc->count_users("example.org"), 3u);
  EXPECT_EQ(refusal(acc->del_domain("example.org")), kErrRefused);
  ASSERT_TRUE(acc->del_domain("example.org", true));
  EXPECT_EQ(acc->users("example.org")->size(), 0u);
  EXPECT_EQ(acc->aliases()->size(), 0u);
  EXPECT_FALSE(acc->set_last_login("dis@example.org", 5));  // deleted with its domain
}

TEST_F(AccountsResolve, ReadOnlyMissing) {
  posta::test::TempDir empty("posta-acc-unit");
  auto ro = Accounts::open(empty.path + "/none", Accounts::Mode::kReadOnly);
  ASSERT_TRUE(ro) << ro.error().what;
  auto r = ro->resolve("a@example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Resolution::kNotLocal);
  EXPECT_FALSE(ro->add_domain({"x.org", true, 0, 0, 0, "", "", 0}));
}

TEST_F(AccountsResolve, Subaddress) {
  ASSERT_EQ(::mkdir((home + "/control").c_str(), 0755), 0);
  ASSERT_TRUE(posta::write_file_atomic(home + "/control/subaddress", "-\n"));
  auto a = Accounts::open(home, Accounts::Mode::kReadOnly);
  ASSERT_TRUE(a);
  auto r = a->resolve("alice-x@example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Resolution::kUser);
  r = a->resolve("alice+x@example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Resolution::kUnknownUser);
}
