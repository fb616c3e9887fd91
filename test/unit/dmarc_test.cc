// DMARC: record parser, organisational domains (libpsl), From domains, discovery, alignment,
// p/sp/pct and the combined result.
#include <gtest/gtest.h>

#include <map>

#include "dmarc/evaluate.h"
#include "dmarc/from.h"
#include "dmarc/orgdomain.h"
#include "dmarc/record.h"

using namespace posta;
using namespace posta::dmarc;

TEST(DmarcRecord, Parses) {
  auto r = parse_record("v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r; "
                        "rua=mailto:agg@example.org,mailto:b@example.org!10m; ruf=mailto:f@example.org; "
                        "fo=1:d; rf=afrf; ri=3600; unknown=ignored;");
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(r->p, Policy::kReject);
  EXPECT_EQ(r->sp, Policy::kQuarantine);
  EXPECT_EQ(r->pct, 50);
  EXPECT_EQ(r->adkim, Alignment::kStrict);
  EXPECT_EQ(r->aspf, Alignment::kRelaxed);
  EXPECT_EQ(r->rua, (std::vector<std::string>{"mailto:agg@example.org", "mailto:b@example.org!10m"}));
  EXPECT_EQ(r->ruf.size(), 1u);
  EXPECT_EQ(r->fo, (std::vector<std::string>{"1", "d"}));
  EXPECT_EQ(r->ri, 3600u);
  auto d = parse_record("v=DMARC1;p=None");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->p, Policy::kNone);
  EXPECT_FALSE(d->sp);
  EXPECT_EQ(d->pct, 100);
  EXPECT_EQ(d->adkim, Alignment::kRelaxed);
  EXPECT_TRUE(parse_record("v = DMARC1 ; p = quarantine"));
  EXPECT_EQ(d->applies_to(true), Policy::kNone);
  EXPECT_EQ(r->applies_to(true), Policy::kQuarantine);
  EXPECT_EQ(r->applies_to(false), Policy::kReject);
}

TEST(DmarcRecord, MissingPolicyWithReportAddressIsNone) {
  auto r = parse_record("v=DMARC1; rua=mailto:a@example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->p, Policy::kNone);
  EXPECT_TRUE(r->p_assumed);
  r = parse_record("v=DMARC1; p=bogus; rua=mailto:a@example.org");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->p_assumed);
}

TEST(DmarcRecord, SyntaxErrors) {
  for (auto bad : {"", "p=reject", "v=DMARC2; p=reject", "v=dmarc1; p=reject", "p=reject; v=DMARC1",
                   "v=DMARC1", "v=DMARC1; p=bogus", "v=DMARC1; p=reject; p=none", "v=DMARC1; p=reject; sp=all",
                   "v=DMARC1; p=reject; pct=101", "v=DMARC1; p=reject; pct=-1", "v=DMARC1; p=reject; pct=",
                   "v=DMARC1; p=reject; adkim=x", "v=DMARC1; p=reject; aspf=relaxed", "v=DMARC1; p=reject; fo=2",
                   "v=DMARC1; p=reject; rf=xml", "v=DMARC1; p=reject; ri=1h", "v=DMARC1; p=reject; rua=agg@example.org",
                   "v=DMARC1; p=reject; rua=mailto:", "v=DMARC1; p=reject; junk", "v=DMARC1; p=reject; =x",
                   "v=DMARC1; p=reject; ruf=mailto:a b@example.org", "v=DMARC1; p=reject; pct=99999999999"}) {
    EXPECT_FALSE(parse_record(bad)) << bad;
  }
  EXPECT_TRUE(is_dmarc_record("v=DMARC1"));
  EXPECT_TRUE(is_dmarc_record(" v =DMARC1; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=spf1 -all"));
}

TEST(DmarcOrgDomain, PublicSuffixList) {
  EXPECT_EQ(organizational_domain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(organizational_domain("Example.CO.UK."), "example.co.uk");
  EXPECT_EQ(organizational_domain("a.b.example.com"), "example.com");
  EXPECT_EQ(organizational_domain("mail.a.test"), "a.test");  // unknown TLD: the "*" rule
  EXPECT_EQ(organizational_domain("co.uk"), "co.uk");
  EXPECT_TRUE(aligned("mail.example.co.uk", "example.co.uk", false));
  EXPECT_FALSE(aligned("mail.example.co.uk", "example.co.uk", true));
  EXPECT_TRUE(aligned("EXAMPLE.co.uk", "example.co.uk.", true));
  EXPECT_FALSE(aligned("example.co.uk", "other.co.uk", false));
  EXPECT_FALSE(aligned("", "", false));
}

TEST(DmarcFrom, Domains) {
  auto one = from_domains("From: \"Alice (CEO)\" <alice@Example.ORG>\r\nTo: b@c.test\r\n\r\nFrom: x@y.test\r\n");
  EXPECT_EQ(one.problem, FromDomains::Problem::kNone);
  EXPECT_EQ(one.domains, std::vector<std::string>{"example.org"});
  auto many = from_domains("From: a@one.test, b@two.test, c@one.test\n\nbody");
  EXPECT_EQ(many.domains, (std::vector<std::string>{"one.test", "two.test"}));
  EXPECT_EQ(from_domains("From: a@1.test, a@2.test, a@3.test, a@4.test, a@5.test, b@1.test\r\n\r\n").domains.size(), 5u);
  EXPECT_EQ(from_domains("From: a@1.test, a@2.test, a@3.test, a@4.test, a@5.test, a@6.test\r\n\r\n").problem,
            FromDomains::Problem::kTooManyDomains);
  EXPECT_EQ(from_domains("To: a@b.test\r\n\r\n").problem, FromDomains::Problem::kNoFrom);
  EXPECT_EQ(from_domains("From: a@b.test\r\nfrom: c@d.test\r\n\r\n").problem, FromDomains::Problem::kManyFromFields);
  for (auto bad : {"From: undisclosed:;\r\n\r\n", "From: alice\r\n\r\n", "From: a@[127.0.0.1]\r\n\r\n",
                   "From: a@localhost\r\n\r\n", "From: a@b;c.test\r\n\r\n", "From: \r\n\r\n"})
    EXPECT_EQ(from_domains(bad).problem, FromDomains::Problem::kNoDomain) << bad;
}

namespace {

// A DNS of TXT records; names in `down` fail temporarily.
struct FakeDns {
  std::map<std::string, std::vector<std::string>> txt;
  std::vector<std::string> down;
  std::vector<std::string> asked;
  TxtLookup lookup() {
    return [this](const std::string& name) {
      asked.push_back(name);
      dns::Answer a;
      if (std::find(down.begin(), down.end(), name) != down.end()) {
        a.status = dns::QueryStatus::kTempFail;
        a.error = "timeout";
        return a;
      }
      auto it = txt.find(name);
      a.status = it == txt.end() ? dns::QueryStatus::kNxDomain : dns::QueryStatus::kOk;
      if (it != txt.end())
        for (auto& t : it->second) a.records.push_back(dns::Record{name, dns::kTxt, 60, t, 0});
      return a;
    };
  }
};

dkim::Verdict pass_for(std::string d) {
  dkim::Verdict v;
  v.result = dkim::Verdict::Result::kPass;
  v.domain = std::move(d);
  return v;
}

Sampler fixed(int n) {
  return [n] { return n; };
}

}  // namespace

TEST(DmarcDiscover, FromDomainThenOrganisationalDomain) {
  FakeDns dns;
  dns.txt["_dmarc.example.co.uk"] = {"v=spf1 -all", "v=DMARC1; p=reject; sp=quarantine"};
  auto d = discover("mail.example.co.uk", dns.lookup());
  EXPECT_EQ(d.status, Discovery::Status::kFound);
  EXPECT_EQ(d.domain, "example.co.uk");
  EXPECT_EQ(dns.asked, (std::vector<std::string>{"_dmarc.mail.example.co.uk", "_dmarc.example.co.uk"}));
  dns.asked.clear();
  EXPECT_EQ(discover("example.co.uk", dns.lookup()).status, Discovery::Status::kFound);
  EXPECT_EQ(dns.asked.size(), 1u);
  EXPECT_EQ(discover("other.co.uk", dns.lookup()).status, Discovery::Status::kNone);
  dns.txt["_dmarc.two.test"] = {"v=DMARC1; p=none", "v=DMARC1; p=reject"};
  EXPECT_EQ(discover("two.test", dns.lookup()).status, Discovery::Status::kPermError);
  dns.txt["_dmarc.bad.test"] = {"v=DMARC1; p=reject; pct=x"};
  EXPECT_EQ(discover("sub.bad.test", dns.lookup()).status, Discovery::Status::kPermError);
  dns.down = {"_dmarc.sub.down.test"};
  EXPECT_EQ(discover("sub.down.test", dns.lookup()).status, Discovery::Status::kTempError);
}

TEST(DmarcEvaluate, AlignmentAndPolicy) {
  FakeDns dns;
  dns.txt["_dmarc.example.test"] = {"v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=s"};
  dns.txt["_dmarc.strict.test"] = {"v=DMARC1; p=quarantine; adkim=s"};
  AuthInputs none;
  // nothing authenticated
  auto e = evaluate_domain("example.test", none, dns.lookup(), fixed(0));
  EXPECT_EQ(e.result, Outcome::kFail);
  EXPECT_EQ(e.disposition, Policy::kReject);
  // the subdomain policy for a subdomain whose policy came from the organisational domain
  e = evaluate_domain("mail.example.test", none, dns.lookup(), fixed(0));
  EXPECT_EQ(e.policy, Policy::kQuarantine);
  EXPECT_EQ(e.policy_domain, "example.test");
  // SPF: strict here, so a subdomain MAIL FROM does not align
  AuthInputs spf{"pass", "bounces.example.test", {}};
  EXPECT_EQ(evaluate_domain("example.test", spf, dns.lookup()).result, Outcome::kFail);
  spf.spf_domain = "EXAMPLE.test";
  e = evaluate_domain("example.test", spf, dns.lookup());
  EXPECT_EQ(e.result, Outcome::kPass);
  EXPECT_TRUE(e.spf_aligned);
  EXPECT_EQ(e.disposition, Policy::kNone);
  spf.spf_result = "softfail";
  EXPECT_EQ(evaluate_domain("example.test", spf, dns.lookup()).result, Outcome::kFail);
  // DKIM: relaxed here, so a subdomain d= aligns; strict elsewhere it does not
  AuthInputs dk{"", "", {pass_for("mail.example.test")}};
  e = evaluate_domain("example.test", dk, dns.lookup());
  EXPECT_EQ(e.result, Outcome::kPass);
  EXPECT_EQ(e.dkim_domain, "mail.example.test");
  dk.dkim = {pass_for("mail.strict.test")};
  EXPECT_EQ(evaluate_domain("strict.test", dk, dns.lookup()).result, Outcome::kFail);
  dk.dkim = {pass_for("evil.test"), pass_for("strict.test")};
  EXPECT_EQ(evaluate_domain("strict.test", dk, dns.lookup()).result, Outcome::kPass);
  // a signature that is not a plain pass never aligns
  auto policy = pass_for("strict.test");
  policy.result = dkim::Verdict::Result::kPolicy;
  dk.dkim = {policy};
  EXPECT_EQ(evaluate_domain("strict.test", dk, dns.lookup()).result, Outcome::kFail);
  // no record, DNS trouble
  EXPECT_EQ(evaluate_domain("nothing.test", none, dns.lookup()).result, Outcome::kNone);
  dns.down = {"_dmarc.down.test"};
  e = evaluate_domain("down.test", none, dns.lookup());
  EXPECT_EQ(e.result, Outcome::kTempError);
  EXPECT_EQ(e.disposition, Policy::kNone);
}

TEST(DmarcEvaluate, PercentSampling) {
  FakeDns dns;
  dns.txt["_dmarc.r.test"] = {"v=DMARC1; p=reject; pct=30"};
  dns.txt["_dmarc.q.test"] = {"v=DMARC1; p=quarantine; pct=0"};
  AuthInputs none;
  EXPECT_EQ(evaluate_domain("r.test", none, dns.lookup(), fixed(29)).disposition, Policy::kReject);
  auto e = evaluate_domain("r.test", none, dns.lookup(), fixed(30));
  EXPECT_EQ(e.disposition, Policy::kQuarantine);
  EXPECT_TRUE(e.sampled_out);
  EXPECT_EQ(evaluate_domain("q.test", none, dns.lookup(), fixed(0)).disposition, Policy::kNone);
  int r = random_percent();
  EXPECT_TRUE(r >= 0 && r < 100);
}

TEST(DmarcEvaluate, FromFieldRules) {
  FakeDns dns;
  dns.txt["_dmarc.strict.test"] = {"v=DMARC1; p=reject"};
  dns.txt["_dmarc.lax.test"] = {"v=DMARC1; p=none"};
  AuthInputs spf{"pass", "lax.test", {}};
  auto e = evaluate("From: a@lax.test, b@strict.test\r\n\r\n", spf, dns.lookup(), fixed(0));
  EXPECT_EQ(e.result, Outcome::kFail);
  EXPECT_EQ(e.from_domain, "strict.test");
  EXPECT_EQ(e.disposition, Policy::kReject);
  e = evaluate("From: a@lax.test\r\nFrom: b@lax.test\r\n\r\n", spf, dns.lookup());
  EXPECT_EQ(e.result, Outcome::kPermError);
  EXPECT_EQ(e.disposition, Policy::kReject);
  e = evaluate("Subject: no from\r\n\r\n", spf, dns.lookup());
  EXPECT_EQ(e.result, Outcome::kPermError);
  EXPECT_EQ(e.disposition, Policy::kNone);
  EXPECT_EQ(evaluate("From: x@lax.test\r\n\r\n", spf, dns.lookup()).result, Outcome::kPass);
}
