// lib/spf: control/spfpolicy and the refusal replies; the report formats (Received-SPF,
// POSTA_SPF).
#include <gtest/gtest.h>

#include "spf/policy.h"
#include "spf/report.h"

using namespace posta;
using namespace posta::spf;

TEST(SpfPolicy, DefaultsAndParsing) {
  Policy def;
  EXPECT_EQ(def.str(), "none=accept neutral=accept fail=reject softfail=accept temperror=defer permerror=accept");
  auto p = Policy::parse("");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->str(), def.str());
  // temperror follows fail unless named
  p = Policy::parse("fail=accept");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->action(ResultCode::kTempError), Action::kAccept);
  p = Policy::parse("fail=defer softfail=reject");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->action(ResultCode::kTempError), Action::kDefer);
  EXPECT_EQ(p->action(ResultCode::kSoftfail), Action::kReject);
  p = Policy::parse("FAIL=reject  temperror=accept permerror=reject");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->action(ResultCode::kTempError), Action::kAccept);
  EXPECT_EQ(p->action(ResultCode::kPermError), Action::kReject);
  p = Policy::parse("off");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->enabled);
  EXPECT_EQ(p->str(), "off");
  for (auto bad : {"fail", "fail=drop", "pass=reject", "hardfail=reject", "fail=reject,softfail=accept"})
    EXPECT_FALSE(Policy::parse(bad)) << bad;
}

TEST(SpfPolicy, Replies) {
  Policy p;
  auto ip = *net::parse_ip("192.0.2.1");
  CheckResult r;
  r.domain = "example.com";
  r.code = ResultCode::kPass;
  EXPECT_FALSE(refusal(p, r, ip));
  r.code = ResultCode::kSoftfail;
  EXPECT_FALSE(refusal(p, r, ip));
  r.code = ResultCode::kFail;
  r.explanation = "no\r\nway";
  auto x = refusal(p, r, ip);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->code, 550);
  EXPECT_EQ(x->enhanced, "5.7.23");
  EXPECT_EQ(x->text, "SPF fail: no??way");
  r.code = ResultCode::kTempError;
  r.problem = "DNS: timeout";
  x = refusal(p, r, ip);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->code, 451);
  EXPECT_EQ(x->enhanced, "4.7.24");
  EXPECT_EQ(x->text, "SPF temperror: temporary error in processing during lookup of example.com: DNS: timeout");
  auto strict = *Policy::parse("permerror=reject softfail=defer");
  r.code = ResultCode::kPermError;
  EXPECT_EQ(refusal(strict, r, ip)->enhanced, "5.7.24");
  r.code = ResultCode::kSoftfail;
  EXPECT_EQ(refusal(strict, r, ip)->enhanced, "4.7.23");
}

TEST(SpfReport, ReceivedSpfAndEnvironment) {
  Identity id;
  id.ip = *net::parse_ip("192.0.2.1");
  id.mail_from = "alice@example.com";
  id.helo = "mail.example.com";
  id.receiver = "mx.example.net";
  CheckResult r;
  r.code = ResultCode::kPass;
  r.domain = "example.com";
  r.mechanism = "ip4:192.0.2.0/24";
  EXPECT_EQ(received_spf(r, id),
            "pass (mx.example.net: domain of example.com designates 192.0.2.1 as permitted sender) "
            "client-ip=192.0.2.1; envelope-from=alice@example.com; helo=mail.example.com; "
            "receiver=mx.example.net; mechanism=\"ip4:192.0.2.0/24\"; identity=mailfrom");
  EXPECT_EQ(env_value(r, id), "pass smtp.mailfrom=alice@example.com");
  id.mail_from = "";
  r.code = ResultCode::kPermError;
  r.mechanism = "";
  r.problem = "more than 10 DNS lookups";
  r.domain = "mail.example.com";
  EXPECT_EQ(env_value(r, id), "permerror smtp.helo=mail.example.com");
  EXPECT_EQ(received_spf(r, id),
            "permerror (mx.example.net: permanent error in processing domain of mail.example.com: more than 10 "
            "DNS lookups) client-ip=192.0.2.1; envelope-from=postmaster@mail.example.com; helo=mail.example.com; "
            "receiver=mx.example.net; problem=\"more than 10 DNS lookups\"; identity=helo");
}

TEST(SpfReport, EnvironmentRoundTrip) {
  Identity id;
  id.ip = *net::parse_ip("192.0.2.1");
  id.helo = "Mail.Example.COM";
  CheckResult r;
  for (auto code : {ResultCode::kNone, ResultCode::kNeutral, ResultCode::kPass, ResultCode::kFail,
                    ResultCode::kSoftfail, ResultCode::kTempError, ResultCode::kPermError}) {
    r.code = code;
    id.mail_from = "\"a b\"@Example.COM";
    auto e = parse_env_value(env_value(r, id));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, code);
    EXPECT_FALSE(e->helo);
    EXPECT_EQ(e->identity, "\"a b\"@Example.COM");
    EXPECT_EQ(e->domain, "example.com");
    id.mail_from = "";
    e = parse_env_value(env_value(r, id));
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->helo);
    EXPECT_EQ(e->domain, "mail.example.com");
  }
  for (auto bad : {"", "pass", "pass smtp.mailfrom=", "pass smtp.mailfrom=nodomain", "pass smtp.mailfrom=a@",
                   "great smtp.helo=x", "pass smtp.helo=", "pass header.from=x"})
    EXPECT_FALSE(parse_env_value(bad)) << bad;
}
