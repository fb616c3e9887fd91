// lib/spf: check_host() against a table-driven DNS (spf_fake_dns.h): the examples of
// RFC 7208 Appendix A, every result, the processing limits, loops and explanations.
#include <gtest/gtest.h>

#include "dns/wire.h"
#include "spf/check.h"
#include "spf/report.h"
#include "spf_fake_dns.h"

using namespace posta;
using namespace posta::spf;
using posta::spf::testing::FakeLookup;

namespace {

// The zone of RFC 7208 Appendix A.
FakeLookup appendix_a(const std::string& example_com_record) {
  FakeLookup d;
  d.add("example.com", dns::kTxt, example_com_record)
      .add("example.com", dns::kA, "192.0.2.10")
      .add("example.com", dns::kA, "192.0.2.11")
      .add("amy.example.com", dns::kA, "192.0.2.65")
      .add("bob.example.com", dns::kA, "192.0.2.66")
      .add("mail-a.example.com", dns::kA, "192.0.2.129")
      .add("mail-b.example.com", dns::kA, "192.0.2.130")
      .add("www.example.com", dns::kA, "192.0.2.10")
      .add("example.com", dns::kMx, "mail-a.example.com")
      .add("example.com", dns::kMx, "mail-b.example.com")
      .add("example.org", dns::kMx, "mail-c.example.org")
      .add("mail-c.example.org", dns::kA, "192.0.2.140")
      .add("10.2.0.192.in-addr.arpa", dns::kPtr, "example.com")
      .add("11.2.0.192.in-addr.arpa", dns::kPtr, "example.com")
      .add("65.2.0.192.in-addr.arpa", dns::kPtr, "amy.example.com")
      .add("66.2.0.192.in-addr.arpa", dns::kPtr, "bob.example.com")
      .add("129.2.0.192.in-addr.arpa", dns::kPtr, "mail-a.example.com")
      .add("130.2.0.192.in-addr.arpa", dns::kPtr, "mail-b.example.com")
      .add("140.2.0.192.in-addr.arpa", dns::kPtr, "mail-c.example.org")
      .add("10.0.0.10.in-addr.arpa", dns::kPtr, "bob.example.com");
  return d;
}

Identity from(const char* ip, const std::string& sender, const std::string& helo = "mx.example.org") {
  Identity id;
  id.ip = *net::parse_ip(ip);
  id.mail_from = sender;
  id.helo = helo;
  id.receiver = "mx.example.net";
  return id;
}

ResultCode run(FakeLookup& d, const char* ip, const std::string& sender = "user@example.com") {
  return check_mail_from(from(ip, sender), d).code;
}

// The addresses of Appendix A.1 that a record lets pass (every other one fails).
std::vector<std::string> passing(const std::string& record) {
  std::vector<std::string> out;
  for (auto ip : {"192.0.2.10", "192.0.2.11", "192.0.2.65", "192.0.2.66", "192.0.2.129", "192.0.2.130",
                  "192.0.2.140", "192.0.2.141", "192.0.2.200", "10.0.0.10"}) {
    auto d = appendix_a(record);
    auto r = run(d, ip);
    EXPECT_TRUE(r == ResultCode::kPass || r == ResultCode::kFail) << record << " " << ip << ": " << result_name(r);
    if (r == ResultCode::kPass) out.push_back(ip);
  }
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(SpfCheck, AppendixA1SimpleExamples) {
  EXPECT_EQ(passing("v=spf1 +all").size(), 10u);
  EXPECT_EQ(passing("v=spf1 a -all"), (V{"192.0.2.10", "192.0.2.11"}));
  EXPECT_EQ(passing("v=spf1 a:example.org -all"), V{});
  EXPECT_EQ(passing("v=spf1 mx -all"), (V{"192.0.2.129", "192.0.2.130"}));
  EXPECT_EQ(passing("v=spf1 mx:example.org -all"), (V{"192.0.2.140"}));
  EXPECT_EQ(passing("v=spf1 mx mx:example.org -all"), (V{"192.0.2.129", "192.0.2.130", "192.0.2.140"}));
  EXPECT_EQ(passing("v=spf1 mx/30 mx:example.org/30 -all"),
            (V{"192.0.2.129", "192.0.2.130", "192.0.2.140", "192.0.2.141"}));
  EXPECT_EQ(passing("v=spf1 ptr -all"),
            (V{"192.0.2.10", "192.0.2.11", "192.0.2.65", "192.0.2.66", "192.0.2.129", "192.0.2.130"}));
  EXPECT_EQ(passing("v=spf1 ip4:192.0.2.128/28 -all"), (V{"192.0.2.129", "192.0.2.130", "192.0.2.140", "192.0.2.141"}));
}

TEST(SpfCheck, AppendixA2MultipleDomains) {
  auto d = appendix_a("v=spf1 mx -all");
  d.add("example.org", dns::kTxt, "v=spf1 include:example.com include:example.net -all");
  EXPECT_EQ(run(d, "192.0.2.129", "u@example.org"), ResultCode::kPass);
  // example.net has no record: a permerror once the include is reached
  EXPECT_EQ(run(d, "192.0.2.10", "u@example.org"), ResultCode::kPermError);
  d.add("la.example.org", dns::kTxt, "v=spf1 redirect=example.com");
  EXPECT_EQ(run(d, "192.0.2.130", "u@la.example.org"), ResultCode::kPass);
  EXPECT_EQ(run(d, "192.0.2.10", "u@la.example.org"), ResultCode::kFail);
}

TEST(SpfCheck, AppendixA3DnsblStyle) {
  auto d = appendix_a("v=spf1 mx -all exp=explain._spf.%{d}");
  d.add("explain._spf.example.com", dns::kTxt, "Mail from %{i} rejected due to SPF policy of %{d}");
  auto r = check_mail_from(from("192.0.2.200", "u@example.com"), d);
  EXPECT_EQ(r.code, ResultCode::kFail);
  EXPECT_EQ(r.explanation, "Mail from 192.0.2.200 rejected due to SPF policy of example.com");
  EXPECT_EQ(r.mechanism, "-all");
  // exists: with a DNSBL-style zone of permitted clients
  auto e = appendix_a("v=spf1 -exists:%{ir}.bad.example.com +all");
  e.add("200.2.0.192.bad.example.com", dns::kA, "127.0.0.2");
  EXPECT_EQ(run(e, "192.0.2.200"), ResultCode::kFail);
  EXPECT_EQ(run(e, "192.0.2.10"), ResultCode::kPass);
}

TEST(SpfCheck, AppendixA4MultipleRequirements) {
  // As the RFC writes it, "-ptr" inside ptr._spf.example.com compares the client's names
  // with ptr._spf.example.com itself, so no address passes; "-ptr:example.com" is the policy
  // the text describes (in 192.0.2.0/24 and reverse DNS in example.com).
  auto make = [](const char* ptr_record) {
    auto d = appendix_a("v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all");
    d.add("ip4._spf.example.com", dns::kTxt, "v=spf1 -ip4:192.0.2.0/24 +all");
    d.add("ptr._spf.example.com", dns::kTxt, ptr_record);
    return d;
  };
  for (auto ip : {"192.0.2.65", "192.0.2.140", "10.0.0.10"}) {
    auto d = make("v=spf1 -ptr +all");
    EXPECT_EQ(run(d, ip), ResultCode::kFail) << ip;
  }
  auto d1 = make("v=spf1 -ptr:example.com +all"), d2 = d1, d3 = d1;
  EXPECT_EQ(run(d1, "192.0.2.65"), ResultCode::kPass);   // in the /24, ptr validates
  EXPECT_EQ(run(d2, "192.0.2.140"), ResultCode::kFail);  // in the /24, ptr in example.org
  EXPECT_EQ(run(d3, "10.0.0.10"), ResultCode::kFail);    // outside the /24
}

TEST(SpfCheck, EveryResult) {
  FakeLookup d;
  d.add("pass.test.example", dns::kTxt, "v=spf1 ip4:192.0.2.1 -all")
      .add("soft.test.example", dns::kTxt, "v=spf1 ~all")
      .add("neutral.test.example", dns::kTxt, "v=spf1 ?all")
      .add("empty.test.example", dns::kTxt, "v=spf1")
      .add("other.test.example", dns::kTxt, "not spf")
      .add("bad.test.example", dns::kTxt, "v=spf1 ip4:192.0.2.300 -all")
      .add("two.test.example", dns::kTxt, "v=spf1 -all")
      .add("two.test.example", dns::kTxt, "v=spf1 +all")
      .add("slow.test.example", dns::kTxt, "v=spf1 a:down.test.example -all")
      .timeout("down.test.example")
      .timeout("timeout.test.example");
  EXPECT_EQ(run(d, "192.0.2.1", "a@pass.test.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "192.0.2.2", "a@pass.test.example"), ResultCode::kFail);
  EXPECT_EQ(run(d, "192.0.2.2", "a@soft.test.example"), ResultCode::kSoftfail);
  EXPECT_EQ(run(d, "192.0.2.2", "a@neutral.test.example"), ResultCode::kNeutral);
  EXPECT_EQ(run(d, "192.0.2.2", "a@empty.test.example"), ResultCode::kNeutral);
  EXPECT_EQ(run(d, "192.0.2.2", "a@other.test.example"), ResultCode::kNone);
  EXPECT_EQ(run(d, "192.0.2.2", "a@nx.test.example"), ResultCode::kNone);
  EXPECT_EQ(run(d, "192.0.2.2", "a@localhost"), ResultCode::kNone);
  EXPECT_EQ(run(d, "192.0.2.2", "a@bad.test.example"), ResultCode::kPermError);
  EXPECT_EQ(run(d, "192.0.2.2", "a@two.test.example"), ResultCode::kPermError);
  EXPECT_EQ(run(d, "192.0.2.2", "a@slow.test.example"), ResultCode::kTempError);
  EXPECT_EQ(run(d, "192.0.2.2", "a@timeout.test.example"), ResultCode::kTempError);
  // the null sender: the HELO identity, postmaster@HELO
  auto r = check_mail_from(from("192.0.2.1", "", "pass.test.example"), d);
  EXPECT_EQ(r.code, ResultCode::kPass);
  EXPECT_EQ(r.domain, "pass.test.example");
  EXPECT_EQ(check_helo(from("192.0.2.1", "", "[192.0.2.1]"), d).code, ResultCode::kNone);
}

TEST(SpfCheck, IncludeResults) {
  FakeLookup d;
  d.add("top.example", dns::kTxt, "v=spf1 include:inc.example -all")
      .add("inc.example", dns::kTxt, "v=spf1 ip4:192.0.2.1 ~all")
      .add("none.example", dns::kTxt, "v=spf1 include:nothing.example ?all")
      .add("nothing.example", dns::kA, "192.0.2.9")
      .add("temp.example", dns::kTxt, "v=spf1 include:down.example +all")
      .add("perm.example", dns::kTxt, "v=spf1 include:bad.example +all")
      .add("bad.example", dns::kTxt, "v=spf1 mx:")
      .add("badname.example", dns::kTxt, "v=spf1 include:%{l}.x.example +all")
      .timeout("down.example");
  EXPECT_EQ(run(d, "192.0.2.1", "a@top.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "192.0.2.2", "a@top.example"), ResultCode::kFail);  // ~all inside: no match
  EXPECT_EQ(run(d, "192.0.2.2", "a@none.example"), ResultCode::kPermError);
  EXPECT_EQ(run(d, "192.0.2.2", "a@temp.example"), ResultCode::kTempError);
  EXPECT_EQ(run(d, "192.0.2.2", "a@perm.example"), ResultCode::kPermError);
  EXPECT_EQ(run(d, "192.0.2.2", "a..b@badname.example"), ResultCode::kPermError);  // empty label
}

TEST(SpfCheck, LookupLimitAndLoops) {
  FakeLookup d;
  std::string ten = "v=spf1";
  for (int i = 0; i < 10; ++i) ten += " a:h" + std::to_string(i) + ".limit.example";
  std::string eleven = ten + " a:h10.limit.example";
  for (int i = 0; i <= 10; ++i) d.add("h" + std::to_string(i) + ".limit.example", dns::kA, "192.0.2.200");
  d.add("ten.limit.example", dns::kTxt, ten + " -all").add("eleven.limit.example", dns::kTxt, eleven + " -all");
  d.add("loop.example", dns::kTxt, "v=spf1 include:loop2.example -all")
      .add("loop2.example", dns::kTxt, "v=spf1 include:loop.example -all")
      .add("self.example", dns::kTxt, "v=spf1 redirect=self.example");
  auto r = check_mail_from(from("192.0.2.1", "a@ten.limit.example"), d);
  EXPECT_EQ(r.code, ResultCode::kFail);
  EXPECT_EQ(r.dns_lookups, 10);
  r = check_mail_from(from("192.0.2.1", "a@eleven.limit.example"), d);
  EXPECT_EQ(r.code, ResultCode::kPermError);
  EXPECT_EQ(r.problem, "more than 10 DNS lookups");
  EXPECT_EQ(run(d, "192.0.2.1", "a@loop.example"), ResultCode::kPermError);
  EXPECT_EQ(run(d, "192.0.2.1", "a@self.example"), ResultCode::kPermError);
  // ip4 and all do not count
  std::string many = "v=spf1";
  for (int i = 0; i < 30; ++i) many += " ip4:10.0.0." + std::to_string(i);
  d.add("many.example", dns::kTxt, many + " -all");
  EXPECT_EQ(run(d, "192.0.2.1", "a@many.example"), ResultCode::kFail);
}

TEST(SpfCheck, VoidLookups) {
  FakeLookup d;
  d.add("two.example", dns::kTxt, "v=spf1 a:nx1.example a:nx2.example -all")
      .add("three.example", dns::kTxt, "v=spf1 a:nx1.example a:nx2.example exists:nx3.example -all")
      .add("nodata.example", dns::kTxt, "v=spf1 mx:two.example a:two.example a:three.example -all");
  EXPECT_EQ(run(d, "192.0.2.1", "a@two.example"), ResultCode::kFail);
  auto r = check_mail_from(from("192.0.2.1", "a@three.example"), d);
  EXPECT_EQ(r.code, ResultCode::kPermError);
  EXPECT_EQ(r.void_lookups, 3);
  EXPECT_EQ(run(d, "192.0.2.1", "a@nodata.example"), ResultCode::kPermError);  // NODATA counts too
}

TEST(SpfCheck, MxAndPtrNameLimits) {
  FakeLookup d;
  d.add("mx11.example", dns::kTxt, "v=spf1 mx -all").add("mx10.example", dns::kTxt, "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) {
    std::string h = "m" + std::to_string(i) + ".example";
    d.add("mx11.example", dns::kMx, h).add(h, dns::kA, "192.0.2." + std::to_string(i + 1));
    if (i < 10) d.add("mx10.example", dns::kMx, h);
  }
  EXPECT_EQ(run(d, "192.0.2.10", "a@mx10.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "192.0.2.10", "a@mx11.example"), ResultCode::kPermError);
  // ptr: only the first 10 names are tried
  d.add("ptr.example", dns::kTxt, "v=spf1 ptr -all");
  for (int i = 0; i < 11; ++i) {
    std::string h = "p" + std::to_string(i) + ".ptr.example";
    d.add("5.2.0.192.in-addr.arpa", dns::kPtr, h).add(h, dns::kA, i == 10 ? "192.0.2.5" : "192.0.2.99");
  }
  EXPECT_EQ(run(d, "192.0.2.5", "a@ptr.example"), ResultCode::kFail);
}

TEST(SpfCheck, Ipv6AndDualCidr) {
  FakeLookup d;
  d.add("six.example", dns::kTxt, "v=spf1 a/24//64 ip6:2001:db8:1::/48 -all")
      .add("six.example", dns::kAaaa, "2001:db8:2::1")
      .add("six.example", dns::kA, "192.0.2.1");
  EXPECT_EQ(run(d, "2001:db8:2::ffff", "a@six.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "2001:db8:1:5::1", "a@six.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "2001:db8:3::1", "a@six.example"), ResultCode::kFail);
  EXPECT_EQ(run(d, "192.0.2.77", "a@six.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "::ffff:192.0.2.77", "a@six.example"), ResultCode::kPass);  // mapped: IPv4
  EXPECT_EQ(run(d, "192.0.3.1", "a@six.example"), ResultCode::kFail);
}

TEST(SpfCheck, Explanations) {
  FakeLookup d;
  d.add("exp.example", dns::kTxt, "v=spf1 -all exp=why.exp.example")
      .add("why.exp.example", dns::kTxt, "%{c} is not one of %{d}'s (%{r} at %{t})")
      .add("noexp.example", dns::kTxt, "v=spf1 -all exp=missing.example")
      .add("two.exp.example", dns::kTxt, "v=spf1 -all exp=twice.example")
      .add("twice.example", dns::kTxt, "a")
      .add("twice.example", dns::kTxt, "b")
      .add("redir.example", dns::kTxt, "v=spf1 redirect=exp.example exp=other.example")
      .add("inc.example", dns::kTxt, "v=spf1 -include:exp.example -all");
  Options opt;
  opt.now = 1700000000;
  auto r = check_mail_from(from("2001:db8::1", "who@exp.example"), d, opt);
  EXPECT_EQ(r.code, ResultCode::kFail);
  EXPECT_EQ(r.explanation, "2001:db8::1 is not one of exp.example's (mx.example.net at 1700000000)");
  r = check_mail_from(from("192.0.2.1", "who@noexp.example"), d, opt);
  EXPECT_EQ(r.explanation, "noexp.example does not designate 192.0.2.1 as permitted sender");
  r = check_mail_from(from("192.0.2.1", "who@two.exp.example"), d, opt);
  EXPECT_EQ(r.explanation, "two.exp.example does not designate 192.0.2.1 as permitted sender");
  // redirect: the target's exp= (RFC 7208 6.1)
  r = check_mail_from(from("192.0.2.1", "who@redir.example"), d, opt);
  EXPECT_EQ(r.explanation, "192.0.2.1 is not one of exp.example's (mx.example.net at 1700000000)");
  EXPECT_EQ(r.domain, "redir.example");
  // nothing but fail has one
  d.add("soft.example", dns::kTxt, "v=spf1 ~all exp=why.exp.example");
  EXPECT_EQ(check_mail_from(from("192.0.2.1", "who@soft.example"), d).explanation, "");
  EXPECT_EQ(result_comment(r, *net::parse_ip("192.0.2.1")),
            "domain of redir.example does not designate 192.0.2.1 as permitted sender");
}

TEST(SpfCheck, MacrosInMechanisms) {
  FakeLookup d;
  d.add("m.example", dns::kTxt, "v=spf1 exists:%{l}.%{ir}.%{v}._spf.%{d} -all")
      .add("alice.1.2.0.192.in-addr._spf.m.example", dns::kA, "127.0.0.2");
  EXPECT_EQ(run(d, "192.0.2.1", "alice@m.example"), ResultCode::kPass);
  EXPECT_EQ(run(d, "192.0.2.1", "bob@m.example"), ResultCode::kFail);
  // past 253 octets, labels are dropped from the left
  d.add("long.example", dns::kTxt, "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.x.long.example -all");
  std::string l(60, 'a');
  d.add(l + "." + l + "." + l + ".x.long.example", dns::kA, "127.0.0.2");  // 197 octets
  EXPECT_EQ(run(d, "192.0.2.1", l + "@long.example"), ResultCode::kPass);
}

TEST(SpfCheck, TimeLimit) {
  FakeLookup d;
  d.add("t.example", dns::kTxt, "v=spf1 -all");
  Options opt;
  opt.time_limit = std::chrono::seconds(0);
  auto r = check_mail_from(from("192.0.2.1", "a@t.example"), d, opt);
  EXPECT_EQ(r.code, ResultCode::kTempError);
  EXPECT_EQ(r.problem, "SPF check past its time limit of 0 s");
  EXPECT_EQ(d.queries, 0);
}

TEST(SpfCheck, ResultNames) {
  for (auto r : {ResultCode::kNone, ResultCode::kNeutral, ResultCode::kPass, ResultCode::kFail,
                 ResultCode::kSoftfail, ResultCode::kTempError, ResultCode::kPermError})
    EXPECT_EQ(parse_result_name(result_name(r)), r);
  EXPECT_FALSE(parse_result_name("softerror"));
}
