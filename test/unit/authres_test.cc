// Authentication-Results: building our field, and removing forged ones that name us.
#include <gtest/gtest.h>

#include <fstream>

#include "authres/authres.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::authres;

TEST(AuthResBuild, AllMethods) {
  Checks c;
  c.spf = SpfResult{"pass", "bounce@example.test", "mx.example.test"};
  dkim::Verdict ok;
  ok.result = dkim::Verdict::Result::kPass;
  ok.domain = "example.test";
  ok.selector = "s1";
  ok.algorithm = "ed25519-sha256";
  dkim::Verdict bad = ok;
  bad.result = dkim::Verdict::Result::kFail;
  bad.reason = "body hash mismatch";
  c.dkim = std::vector<dkim::Verdict>{ok, bad};
  dmarc::Evaluation e;
  e.result = dmarc::Outcome::kPass;
  e.from_domain = "example.test";
  e.record = dmarc::Record{};
  e.record->p = dmarc::Policy::kReject;
  c.dmarc = e;
  EXPECT_EQ(build("mx.our.test", c),
            "Authentication-Results: mx.our.test;\r\n"
            "\tspf=pass smtp.mailfrom=bounce@example.test;\r\n"
            "\tdkim=pass header.d=example.test header.s=s1 header.a=ed25519-sha256;\r\n"
            "\tdkim=fail (body hash mismatch) header.d=example.test header.s=s1 header.a=ed25519-sha256;\r\n"
            "\tdmarc=pass (p=reject dis=none) header.from=example.test policy.dmarc=none\r\n");
}

TEST(AuthResBuild, NoneAndHostileValues) {
  EXPECT_EQ(build("mx.our.test", {}), "Authentication-Results: mx.our.test; none\r\n");
  Checks c;
  c.spf = SpfResult{"softfail", "", "evil\r\nX-Injected: 1"};
  c.dkim = std::vector<dkim::Verdict>{};
  dkim::Verdict v;
  v.result = dkim::Verdict::Result::kPermError;
  v.reason = "a (nested) reason\r\nX: y";
  v.selector = "s;1";
  c.dkim->push_back(v);
  dmarc::Evaluation e;
  e.result = dmarc::Outcome::kPermError;
  e.reason = "more than one From field";
  c.dmarc = e;
  auto f = build("mx.our.test", c);
  EXPECT_EQ(f,
            "Authentication-Results: mx.our.test;\r\n"
            "\tspf=softfail smtp.helo=\"evilX-Injected: 1\";\r\n"
            "\tdkim=permerror (a \\(nested\\) reasonX: y) header.s=\"s;1\";\r\n"
            "\tdmarc=permerror (more than one From field)\r\n");
  c.dkim = std::vector<dkim::Verdict>{};
  EXPECT_NE(build("x", c).find("dkim=none;"), std::string::npos);
}

TEST(AuthResStrip, OnlyOursGoes) {
  std::string msg =
      "Received: from x\r\n"
      "Authentication-Results: mx.our.test; spf=pass smtp.mailfrom=a@b.test\r\n"
      "authentication-results:  (forged) MX.OUR.TEST 1;\r\n\tdkim=pass header.d=bank.test\r\n"
      "Authentication-Results: \"mx.our.test\"; none\r\n"
      "Authentication-Results: mx.our.test.evil; none\r\n"
      "Authentication-Results: other.test; dmarc=pass\r\n"
      "Authentication-Results: mx.our.test(c); none\r\n"
      "Subject: s\r\n\r\n"
      "Authentication-Results: mx.our.test; body line stays\r\n";
  EXPECT_EQ(strip_ours(msg, "mx.our.test"),
            "Received: from x\r\n"
            "Authentication-Results: mx.our.test.evil; none\r\n"
            "Authentication-Results: other.test; dmarc=pass\r\n"
            "Subject: s\r\n\r\n"
            "Authentication-Results: mx.our.test; body line stays\r\n");
  EXPECT_EQ(strip_ours("A: b\n\nc\n", "mx.our.test"), "A: b\n\nc\n");
  EXPECT_EQ(strip_ours("Authentication-Results: x; none\n", "x"), "");
  EXPECT_FALSE(names_authserv_id("x; none", ""));
  EXPECT_TRUE(names_authserv_id("(a (nested) comment) x", "X"));
}

TEST(AuthResId, ControlFiles) {
  test::TempDir d;
  std::filesystem::create_directories(d.path + "/control");
  std::ofstream(d.path + "/control/me") << "mx.our.test\n";
  EXPECT_EQ(authserv_id(Control(d.path)), "mx.our.test");
  std::ofstream(d.path + "/control/authservid") << "auth.our.test\n";
  EXPECT_EQ(authserv_id(Control(d.path)), "auth.our.test");
}
