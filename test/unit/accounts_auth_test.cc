// Unit tests of the password check shared by posta-auth and posta-authd
// (lib/accounts/auth_check.h) and of their protocol (lib/accounts/auth_proto.h).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "accounts/auth_check.h"
#include "accounts/auth_proto.h"
#include "accounts/post_auth.h"
#include "accounts/ratelimit.h"
#include "accounts_home.h"
#include "tmpdir.h"

using namespace posta::accounts;

namespace {


std::string payload(const std::string& frame) { return frame.substr(kAuthFrameHeader); }

// A whole request payload from raw fields (each gets its NUL).
std::string fields(std::initializer_list<std::string> fs) {
  std::string p;
  for (const auto& f : fs) p += f + std::string(1, '\0');
  return p;
}

AuthAnswer sample_ok() {
  AuthAnswer a;
  a.kind = AuthAnswer::Kind::kOk;
  a.hash_us = 81234;
  a.user.address = "alice@example.org";
  a.user.maildir = "/var/posta/mail/example.org/alice/";
  a.user.quota_bytes = 10485760;
  a.user.quota_messages = 99;
  a.user.store_host = "store1";
  a.master = "admin@example.org";
  return a;
}

}  // namespace

TEST(AuthProto, RequestRoundTrip) {
  AuthRequest r{"Alice@Example.ORG", std::string("p\xc3\xa4ss word"), "2001:db8::1"};
  auto f = encode_auth_request(r);
  ASSERT_TRUE(f);
  auto len = auth_frame_length(f->substr(0, kAuthFrameHeader), kMaxAuthRequest);
  ASSERT_TRUE(len);
  EXPECT_EQ(*len, f->size() - kAuthFrameHeader);
  auto d = decode_auth_request(payload(*f));
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->login, r.login);
  EXPECT_EQ(d->password, r.password);
  EXPECT_EQ(d->ip, r.ip);
  auto empty = decode_auth_request(payload(*encode_auth_request({"", "", ""})));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->login, "");
}

TEST(AuthProto, AnswerRoundTrip) {
  AuthAnswer a = sample_ok();
  auto d = decode_auth_answer(payload(encode_auth_answer(a)));
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->kind, AuthAnswer::Kind::kOk);
  EXPECT_EQ(d->hash_us, 81234);
  EXPECT_EQ(d->user.address, a.user.address);
  EXPECT_EQ(d->user.maildir, a.user.maildir);
  EXPECT_EQ(d->user.quota_bytes, 10485760u);
  EXPECT_EQ(d->user.quota_messages, 99u);
  EXPECT_EQ(d->user.store_host, "store1");
  EXPECT_EQ(d->master, "admin@example.org");
  AuthAnswer no;
  no.kind = AuthAnswer::Kind::kRefused;
  no.reason = "bad password";
  no.failures = 4;
  no.delay_ms = 1000;
  d = decode_auth_answer(payload(encode_auth_answer(no)));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, AuthAnswer::Kind::kRefused);
  EXPECT_EQ(d->reason, "bad password");
  EXPECT_EQ(d->failures, 4u);
  EXPECT_EQ(d->delay_ms, 1000u);
  AuthAnswer tmp;
  tmp.reason = "db\nbroken";  // one log line: control characters do not cross
  d = decode_auth_answer(payload(encode_auth_answer(tmp)));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, AuthAnswer::Kind::kTrouble);
  EXPECT_EQ(d->reason.find('\n'), std::string::npos);
}

TEST(AuthProto, FrameLengthLimits) {
  EXPECT_FALSE(auth_frame_length(std::string(4, '\0'), kMaxAuthRequest));         // 0
  EXPECT_FALSE(auth_frame_length(std::string("\0\0\x10\x01", 4), kMaxAuthRequest));  // 4097
  EXPECT_TRUE(auth_frame_length(std::string("\0\0\x10\0", 4), kMaxAuthRequest));      // 4096
  EXPECT_FALSE(auth_frame_length(std::string("\xff\xff\xff\xff", 4), kMaxAuthRequest));
  EXPECT_FALSE(auth_frame_length("abc", kMaxAuthRequest));
}

TEST(AuthProto, MalformedRequestsRefused) {
  const std::string bad[] = {
      "",
      fields({"A1", "u", "p"}),                 // 3 fields
      fields({"A1", "u", "p", "ip", "x"}),      // 5
      fields({"A2", "u", "p", "ip"}),           // unknown version
      fields({"A1", "u", "p"}) + "ip",          // unterminated last field
      fields({"A1", "u", "p", std::string(kMaxAuthIp + 1, '1')}),
      fields({"A1", std::string(kMaxAuthField + 1, 'u'), "p", ""}),
      fields({"A1", "u", "p", ""}) + std::string(1, '\0'),  // trailing NUL
  };
  for (const auto& p : bad) EXPECT_FALSE(decode_auth_request(p)) << p.size();
  EXPECT_FALSE(encode_auth_request({std::string("a\0b", 3), "p", ""}));
  EXPECT_FALSE(encode_auth_request({"u", "p", std::string(kMaxAuthIp + 1, '1')}));
  EXPECT_FALSE(encode_auth_request({"u", std::string(kMaxAuthField + 1, 'p'), ""}));
}

TEST(AuthProto, MalformedAnswersRefused) {
  std::string good = payload(encode_auth_answer(sample_ok()));
  ASSERT_TRUE(decode_auth_answer(good));
  auto with = [&](size_t i, const std::string& v) {
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t n = good.find('\0'); n != std::string::npos; n = good.find('\0', start = n + 1))
      f.push_back(good.substr(start, n - start)), start = n + 1;
    f[i] = v;
    std::string p;
    for (auto& x : f) p += x + std::string(1, '\0');
    return p;
  };
  EXPECT_FALSE(decode_auth_answer(with(0, "R2")));
  EXPECT_FALSE(decode_auth_answer(with(1, "yes")));
  EXPECT_FALSE(decode_auth_answer(with(2, "-5")));
  EXPECT_FALSE(decode_auth_answer(with(2, "012")));
  EXPECT_FALSE(decode_auth_answer(with(4, "")));
  EXPECT_FALSE(decode_auth_answer(with(8, "1x")));
  EXPECT_FALSE(decode_auth_answer(with(9, "99999999999999999999999")));
  EXPECT_FALSE(decode_auth_answer(with(7, "")));  // ok without a Maildir
  EXPECT_FALSE(decode_auth_answer(good + "x"));
  EXPECT_FALSE(decode_auth_answer(good.substr(0, good.size() - 1)));
}

class AuthCheck : public posta::test::AccountsHome {
 protected:
  AuthCheck() : AccountsHome("posta-auth-unit") {}
  // sha512-crypt of "secret": cheap to verify, unlike the default yescrypt
  static constexpr const char* kHash =
      "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(AccountsHome::SetUp());
    ASSERT_TRUE(acc->add_domain({"off.org", false, 0, 0, 0, "", "", 0}));
    add("alice@example.org", true, false);
    add("dis@example.org", false, false);
    add("admin@example.org", true, true);
    add("bob@off.org", true, false);
  }
  void add(const std::string& address, bool enabled, bool master) {
    UserRecord u;
    u.address = address;
    u.password_hash = kHash;
    u.enabled = enabled;
    u.master = master;
    u.quota_messages = 7;
    ASSERT_TRUE(acc->add_user(u));
  }
  AuthAnswer check(const std::string& login, const std::string& pw, const std::string& ip = "192.0.2.1") {
    auto f = look_up_login(*acc, settings, login);
    EXPECT_TRUE(f) << f.error().what;
    if (!f) return {};
    const UserRecord* c = f->checked();
    bool ok = check_password(pw, c ? c->password_hash : "", !c);
    AuthWriter w = [this]() -> posta::Result<Accounts*> { return &*acc; };
    return conclude(*f, ok, *acc, w, settings, {login, pw, ip}, std::time(nullptr));
  }
  AuthSettings settings;
};

TEST_F(AuthCheck, RightPasswordGivesTheMailbox) {
  auto a = check("Alice@EXAMPLE.org", "secret");
  ASSERT_EQ(a.kind, AuthAnswer::Kind::kOk) << a.reason;
  EXPECT_EQ(a.user.address, "alice@example.org");
  EXPECT_EQ(a.user.maildir, home + "/mail/example.org/alice/");
  EXPECT_EQ(a.user.quota_messages, 7u);
  EXPECT_EQ(a.user.password_hash, "");  // never leaves the daemon
  EXPECT_EQ(a.master, "");
  settings.default_domain = "example.org";
  EXPECT_EQ(check("alice", "secret").kind, AuthAnswer::Kind::kOk);
}

TEST_F(AuthCheck, RefusalsAndTheirReasons) {
  EXPECT_EQ(check("alice@example.org", "wrong").reason, "bad password");
  EXPECT_EQ(check("dis@example.org", "secret").reason, "user disabled");
  EXPECT_EQ(check("bob@off.org", "secret").reason, "domain disabled");
  EXPECT_EQ(check("bob@off.org", "wrong").reason, "bad password");
  EXPECT_EQ(check("nobody@example.org", "secret").reason, "unknown user");
  EXPECT_EQ(check("bad/login", "secret").reason, "unknown user");
}

TEST_F(AuthCheck, MasterLogins) {
  auto a = check("alice*admin@example.org", "secret");
  ASSERT_EQ(a.kind, AuthAnswer::Kind::kOk) << a.reason;
  EXPECT_EQ(a.user.address, "alice@example.org");
  EXPECT_EQ(a.master, "admin@example.org");
  EXPECT_EQ(check("bob@off.org*admin@example.org", "secret").reason, "domain disabled");
  EXPECT_EQ(check("nobody*admin@example.org", "secret").reason, "unknown user (master login)");
  EXPECT_EQ(check("alice*dis@example.org", "secret").kind, AuthAnswer::Kind::kRefused);  // not a master
}

TEST_F(AuthCheck, FailuresCountPerLoginAndAddressAndSuccessForgetsTheLogin) {
  settings.max_delay_ms = 300;
  EXPECT_EQ(check("alice@example.org", "x", "192.0.2.7").failures, 1u);
  auto a = check("alice@example.org", "x", "192.0.2.8");
  EXPECT_EQ(a.failures, 2u);
  EXPECT_EQ(a.delay_ms, 250u);
  EXPECT_EQ(check("other@example.org", "x", "192.0.2.8").failures, 2u);  // the address's count
  EXPECT_EQ(check("alice@example.org", "x", "192.0.2.9").delay_ms, 300u);  // capped
  EXPECT_EQ(check("alice@example.org", "secret", "192.0.2.9").kind, AuthAnswer::Kind::kOk);
  EXPECT_EQ(check("alice@example.org", "x", "192.0.2.10").failures, 1u);
}

TEST_F(AuthCheck, ForgetFailuresThroughKeptAndReadOnlyHandles) {
  auto fc = FailureCounter::open(acc->env());
  ASSERT_TRUE(fc);
  int64_t now = std::time(nullptr);
  ASSERT_TRUE(fc->record_failure("user:a", now));
  ASSERT_TRUE(fc->record_failure("user:b", now));
  EXPECT_TRUE(acc->forget_failures("user:a"));
  EXPECT_TRUE(acc->forget_failures("user:absent"));
  EXPECT_EQ(*fc->failures("user:a", now), 0u);
  auto ro = Accounts::open(home, Accounts::Mode::kReadOnly);
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro->forget_failures("user:b"));
  EXPECT_EQ(*fc->failures("user:b", now), 0u);
}

// control/authprograms: the commands posta-auth may run as the mail store owner.
TEST(PostAuthPolicy, DefaultsAreTheInstancesPostAuthServersAndTrue) {
  auto p = PostAuthPolicy::defaults({"/var/posta/bin", "/opt/posta/bin", "/var/posta/bin", "relative"});
  EXPECT_TRUE(p.allows({"/var/posta/bin/posta-imapd", "--post-auth"}));
  EXPECT_TRUE(p.allows({"/var/posta/bin/posta-pop3d", "--post-auth"}));
  EXPECT_TRUE(p.allows({"/var/posta/bin/posta-managesieved", "--post-auth"}));
  EXPECT_TRUE(p.allows({"/opt/posta/bin/posta-imapd", "--post-auth"}));
  EXPECT_TRUE(p.allows({"/bin/true"}));
  EXPECT_EQ(p.commands().size(), 7u);  // duplicates and relative directories left out
  // what a compromised pre-auth server might name instead
  EXPECT_FALSE(p.allows({"/bin/sh", "-c", "cat /var/posta/mail/*/*/new/*"}));
  EXPECT_FALSE(p.allows({"sh"}));
  EXPECT_FALSE(p.allows({}));
  EXPECT_FALSE(p.allows({"/var/posta/bin/posta-imapd"}));  // the pre-auth half as the store owner
  EXPECT_FALSE(p.allows({"/var/posta/bin/posta-imapd", "--post-auth", "x"}));
  EXPECT_FALSE(p.allows({"/var/posta/bin/../bin/posta-imapd", "--post-auth"}));
  EXPECT_FALSE(p.allows({"relative/posta-imapd", "--post-auth"}));
  EXPECT_FALSE(p.allows({"/var/posta/bin/posta-smtpd", "--post-auth"}));
  EXPECT_FALSE(p.allows({"/bin/true", "x"}));
  EXPECT_FALSE(p.allows({"true"}));
}

TEST(PostAuthPolicy, ParsesCommandsWordForWord) {
  auto p = PostAuthPolicy::parse({"/usr/lib/posta/imap --post-auth", "  /usr/bin/env\t", "/bin/true a  b"});
  ASSERT_TRUE(p) << p.error().what;
  EXPECT_TRUE(p->allows({"/usr/lib/posta/imap", "--post-auth"}));
  EXPECT_TRUE(p->allows({"/bin/true", "a", "b"}));
  EXPECT_FALSE(p->allows({"/usr/lib/posta/imap"}));
  EXPECT_FALSE(p->allows({"/bin/true", "a b"}));
  EXPECT_FALSE(p->allows({"/bin/true"}));
  auto bad = PostAuthPolicy::parse({"/bin/true", "bin/sh -c x"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what.find("bin/sh"), std::string::npos);
  auto empty = PostAuthPolicy::parse({});
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->allows({"/bin/true"}));
}

TEST(PostAuthPolicy, LoadsTheControlFileElseTheDefaults) {
  posta::test::TempDir t;
  std::filesystem::create_directories(t.path + "/control");
  auto d = PostAuthPolicy::load(t.path, {"/b"});
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->allows({"/b/posta-imapd", "--post-auth"}));
  std::ofstream(t.path + "/control/authprograms") << "# only IMAP\n/b/posta-imapd --post-auth\n";
  auto f = PostAuthPolicy::load(t.path, {"/b"});
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->allows({"/b/posta-imapd", "--post-auth"}));
  EXPECT_FALSE(f->allows({"/b/posta-pop3d", "--post-auth"}));
  EXPECT_FALSE(f->allows({"/bin/true"}));
  std::ofstream(t.path + "/control/authprograms") << "";  // an empty file allows nothing
  auto e = PostAuthPolicy::load(t.path, {"/b"});
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->allows({"/b/posta-imapd", "--post-auth"}));
  std::ofstream(t.path + "/control/authprograms") << "sh -c id\n";
  EXPECT_FALSE(PostAuthPolicy::load(t.path, {"/b"}));
}
