// Unit tests of the servers' side of authentication (lib/auth): the login rule, the SASL
// PLAIN/LOGIN parser and the checkpassword client.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "auth/checkpassword.h"
#include "auth/credentials.h"
#include "auth/sasl.h"
#include "base/base64.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::auth;

namespace {

Credentials cred(std::string login, std::string password) {
  return Credentials{std::move(login), Secret(std::move(password))};
}

// A PLAIN response as a client sends it.
std::string plain(std::string_view authzid, std::string_view authcid, std::string_view password) {
  std::string m(authzid);
  m += '\0';
  m += authcid;
  m += '\0';
  m += password;
  return base64_encode(m);
}

Result<Credentials> parse_line(std::string_view line) {
  auto m = decode_initial_response(line);
  if (!m) return std::unexpected(m.error());
  return parse_plain(*m);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(AuthSecret, WipesWhatItHeldAndWhatItWasMovedFrom) {
  const std::string_view zeros("\0\0\0\0\0", 5);
  std::string small = "pw123";  // in the string's own storage: a move copies it
  const char* small_buf = small.data();
  {
    Secret a(std::move(small));
    EXPECT_EQ(std::string_view(small_buf, 5), zeros);
    EXPECT_EQ(a.str(), "pw123");
    const char* a_buf = a.str().data();
    Secret b(std::move(a));
    EXPECT_EQ(std::string_view(a_buf, 5), zeros);
    EXPECT_EQ(b.str(), "pw123");
  }
  std::string big = "hunter2 and enough further bytes to live on the heap";
  const char* heap = big.data();
  Secret c(std::move(big));
  EXPECT_EQ(c.str().data(), heap);  // moved, not copied
  c = Secret(std::string("other"));
  EXPECT_EQ(c.str(), "other");

  std::string t(40, 'x');
  t = "secret";  // the earlier, longer value is still in the allocation
  const char* buf = t.data();
  size_t cap = t.capacity();
  wipe(t);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(std::string_view(buf, cap), std::string(cap, '\0'));
}

TEST(AuthCredentials, TheOneRule) {
  EXPECT_TRUE(check_credentials(cred("alice@example.org", "pw")));
  EXPECT_TRUE(check_credentials(cred("alice@example.org", "")));  // the checker refuses it
  EXPECT_TRUE(check_credentials(cred("alice*admin@example.org", "pw")));
  EXPECT_TRUE(check_credentials(cred(std::string(kMaxLogin, 'a'), std::string(kMaxPassword, 'p'))));
  EXPECT_FALSE(check_credentials(cred("", "pw")));
  EXPECT_FALSE(check_credentials(cred(std::string(kMaxLogin + 1, 'a'), "pw")));
  EXPECT_FALSE(check_credentials(cred("a", std::string(kMaxPassword + 1, 'p'))));
  EXPECT_FALSE(check_credentials(cred(std::string("a\0b", 3), "pw")));
  EXPECT_FALSE(check_credentials(cred("a\rb", "pw")));
  EXPECT_FALSE(check_credentials(cred("a\nb", "pw")));
  EXPECT_FALSE(check_credentials(cred("a", std::string("p\0w", 3))));
}

TEST(AuthSasl, PlainOrdinaryLogins) {
  auto c = parse_line(plain("", "alice@example.org", "secret"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "alice@example.org");
  EXPECT_EQ(c->password.str(), "secret");
  c = parse_line(plain("alice@example.org", "alice@example.org", "secret"));  // authzid = authcid
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "alice@example.org");
  c = parse_line(plain("", "alice", ""));  // empty password: parsed, refused by the checker
  ASSERT_TRUE(c);
  EXPECT_EQ(c->password.str(), "");
  c = parse_line(plain("", "alice", "p\xc3\xa4ss w\x01rd"));  // any bytes but NUL
  ASSERT_TRUE(c);
  EXPECT_EQ(c->password.str(), "p\xc3\xa4ss w\x01rd");
}

TEST(AuthSasl, PlainAuthorizationIdentityIsAMasterLogin) {
  auto c = parse_line(plain("jo", "admin", "adminpw"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "jo*admin");
  EXPECT_EQ(c->password.str(), "adminpw");
  c = parse_line(plain("alice@other.org", "admin@example.org", "pw"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "alice@other.org*admin@example.org");
  EXPECT_EQ(login_for("Alice", "alice"), "Alice*alice");  // compared byte for byte
  EXPECT_EQ(login_for("", "bob"), "bob");
  EXPECT_EQ(login_for("bob", "bob"), "bob");
}

TEST(AuthSasl, PlainMalformed) {
  EXPECT_FALSE(parse_line(base64_encode("alicesecret")));                 // no NUL
  EXPECT_FALSE(parse_line(base64_encode(std::string("\0alice", 6))));      // one NUL
  EXPECT_FALSE(parse_line(base64_encode(std::string("alice\0", 6))));
  EXPECT_FALSE(parse_line(plain("", "", "secret")));                      // empty authcid
  EXPECT_FALSE(parse_line(plain("jo", "", "secret")));
  EXPECT_FALSE(parse_line(plain("", "alice", std::string("se\0cret", 7))));  // third NUL
  EXPECT_FALSE(parse_line(base64_encode(std::string("\0\0", 2))));
  EXPECT_FALSE(parse_line(""));
  EXPECT_FALSE(parse_line("="));  // the empty initial response
}

TEST(AuthSasl, BadBase64) {
  for (const char* bad : {"!!!notbase64", "AGpv=", "AGp", "AGpvAHB3=", "AG*vAHB3", "AGpv AHB3", "==", "=AGpv"})
    EXPECT_FALSE(decode_initial_response(bad)) << bad;
  EXPECT_FALSE(decode_response("="));  // "=" means empty only as an initial response
  EXPECT_FALSE(decode_response("*"));  // the servers handle the cancel before decoding
  EXPECT_TRUE(decode_response("").has_value());
  EXPECT_EQ(decode_initial_response("=")->str(), "");
  EXPECT_EQ(decode_response("VXNlcm5hbWU6")->str(), "Username:");  // LOGIN
}

TEST(AuthSasl, TooLongIsParsedThenRefusedByTheRule) {
  auto c = parse_line(plain("", std::string(kMaxLogin + 1, 'a'), "pw"));
  ASSERT_TRUE(c);
  EXPECT_FALSE(check_credentials(*c));
  c = parse_line(plain(std::string(300, 'u'), std::string(300, 'm'), "pw"));  // master login
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login.size(), 601u);
  EXPECT_FALSE(check_credentials(*c));
  c = parse_line(plain("", "alice", std::string(kMaxPassword + 1, 'p')));
  ASSERT_TRUE(c);
  EXPECT_FALSE(check_credentials(*c));
}

TEST(AuthCheckpassword, Frame) {
  auto f = checkpassword_frame(cred("alice@example.org", "pw"), "<1.2@posta>");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->str(), std::string("alice@example.org\0pw\0<1.2@posta>\0", 33));
  f = checkpassword_frame(cred("a", ""), "");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->str(), std::string("a\0\0\0", 4));
  auto big = checkpassword_frame(cred(std::string(kMaxLogin, 'a'), std::string(kMaxPassword, 'p')), "<1.2@posta>");
  ASSERT_TRUE(big);
  EXPECT_LE(big->str().size(), 2048u);  // what posta-auth reads at most
  EXPECT_FALSE(checkpassword_frame(cred("", "pw"), "t"));
  EXPECT_FALSE(checkpassword_frame(cred(std::string("a\0b", 3), "pw"), "t"));
  EXPECT_FALSE(checkpassword_frame(cred("a", std::string("p\0w", 3)), "t"));
  EXPECT_FALSE(checkpassword_frame(cred("a", "pw"), std::string("t\0", 2)));
  EXPECT_FALSE(checkpassword_frame(cred("a", "pw"), std::string(65, 't')));
}

TEST(AuthCheckpassword, RunGivesTheFrameOnFd3AndTheExitStatus) {
  test::TempDir dir;
  std::string out = dir.path + "/fd3";
  auto st = run_checkpassword({"/bin/sh", "-c", "cat <&3 >\"$0\"; exit 1", out}, cred("jo", "secret"));
  ASSERT_TRUE(st) << st.error().what;
  EXPECT_TRUE(st->exited);
  EXPECT_EQ(st->code, kCheckRefused);
  EXPECT_EQ(verdict_of(*st), Verdict::kRefused);
  std::string frame = read_file(out);
  EXPECT_EQ(frame.substr(0, 10), std::string("jo\0secret\0", 10));
  EXPECT_EQ(frame.back(), '\0');
  EXPECT_EQ(frame.find("@posta>"), frame.size() - 8);

  SpawnOptions opt;
  opt.env = {"CHECK_ENV=seen"};
  st = run_checkpassword({"/bin/sh", "-c", "[ \"$CHECK_ENV\" = seen ]"}, cred("jo", "secret"), opt);
  ASSERT_TRUE(st);
  EXPECT_EQ(verdict_of(*st), Verdict::kAccepted);
  st = run_checkpassword({"/bin/sh", "-c", "exit 111"}, cred("jo", "secret"));
  ASSERT_TRUE(st);
  EXPECT_EQ(verdict_of(*st), Verdict::kTrouble);
  st = run_checkpassword({"/bin/sh", "-c", "kill -9 $$"}, cred("jo", "secret"));
  ASSERT_TRUE(st);
  EXPECT_EQ(verdict_of(*st), Verdict::kTrouble);
  // Credentials that break the rule never reach a checker.
  EXPECT_FALSE(run_checkpassword({"/bin/sh", "-c", "touch \"$0\"", out + ".ran"}, cred("", "pw")));
  EXPECT_NE(::access((out + ".ran").c_str(), F_OK), 0);
}

TEST(AuthCheckpassword, ProgramFromPostaAuth) {
  ::setenv("POSTA_AUTH", "/usr/local/bin/fake-auth", 1);
  EXPECT_EQ(checkpassword_program(), "/usr/local/bin/fake-auth");
  ::setenv("POSTA_AUTH", "", 1);
  EXPECT_EQ(checkpassword_program().substr(checkpassword_program().rfind('/') + 1), "posta-auth");
  ::unsetenv("POSTA_AUTH");
  EXPECT_EQ(checkpassword_program(), sibling("posta-auth"));
}
