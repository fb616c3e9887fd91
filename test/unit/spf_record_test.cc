// lib/spf: the record parser (RFC 7208 sections 4.5, 5, 6, 12) and macro expansion with the
// examples of section 7.4.
#include <gtest/gtest.h>

#include "spf/macro.h"
#include "spf/record.h"

using namespace posta;
using namespace posta::spf;

TEST(SpfRecord, Selection) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("v=spf1\t-all"));
  EXPECT_FALSE(is_spf_record("spf2.0/pra -all"));
  EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
}

TEST(SpfRecord, EveryMechanismAndQualifier) {
  auto r = parse_record(
      "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24 mx//64 mx:example.org/26//48 "
      "ptr ptr:example.net ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{v}._spf.%{d2} "
      "ip4:192.0.2.7 IP6:2001:DB8::1");
  ASSERT_TRUE(r) << r.error().what;
  ASSERT_EQ(r->mechanisms.size(), 13u);
  auto& m = r->mechanisms;
  EXPECT_EQ(m[0].kind, MechanismKind::kAll);
  EXPECT_EQ(m[0].qualifier, Qualifier::kPass);
  EXPECT_EQ(m[1].kind, MechanismKind::kInclude);
  EXPECT_EQ(m[1].qualifier, Qualifier::kFail);
  EXPECT_EQ(m[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(m[2].kind, MechanismKind::kA);
  EXPECT_EQ(m[2].qualifier, Qualifier::kSoftfail);
  EXPECT_EQ(m[2].domain_spec, "");
  EXPECT_EQ(m[3].qualifier, Qualifier::kNeutral);
  EXPECT_EQ(m[3].domain_spec, "mail.example.com");
  EXPECT_EQ(m[3].cidr4, 24);
  EXPECT_EQ(m[3].cidr6, 128);
  EXPECT_EQ(m[4].kind, MechanismKind::kMx);
  EXPECT_EQ(m[4].cidr4, 32);
  EXPECT_EQ(m[4].cidr6, 64);
  EXPECT_EQ(m[5].domain_spec, "example.org");
  EXPECT_EQ(m[5].cidr4, 26);
  EXPECT_EQ(m[5].cidr6, 48);
  EXPECT_EQ(m[6].kind, MechanismKind::kPtr);
  EXPECT_EQ(m[7].domain_spec, "example.net");
  EXPECT_EQ(m[8].kind, MechanismKind::kIp4);
  EXPECT_EQ(m[8].network.str(), "192.0.2.0/24");
  EXPECT_EQ(m[9].kind, MechanismKind::kIp6);
  EXPECT_EQ(m[9].network.prefix, 32);
  EXPECT_EQ(m[10].kind, MechanismKind::kExists);
  EXPECT_EQ(m[11].network.prefix, 32);
  EXPECT_EQ(m[12].network.prefix, 128);
  EXPECT_EQ(m[12].text, "IP6:2001:DB8::1");
}

TEST(SpfRecord, Modifiers) {
  auto r = parse_record("v=spf1  mx  redirect=_spf.example.com exp=explain.%{d} foo=%{l}.bar Op=x   ");
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(r->mechanisms.size(), 1u);
  EXPECT_EQ(r->redirect, "_spf.example.com");
  EXPECT_EQ(r->exp, "explain.%{d}");
  ASSERT_EQ(r->unknown_modifiers.size(), 2u);
  EXPECT_EQ(r->unknown_modifiers[0].first, "foo");
  EXPECT_EQ(r->unknown_modifiers[1].first, "op");
  EXPECT_TRUE(parse_record("v=spf1"));
  EXPECT_TRUE(parse_record("v=spf1 -mx:%%%_/.Clara.de/27"));
  EXPECT_TRUE(parse_record("v=spf1 a:mail.example.com."));
}

TEST(SpfRecord, SyntaxErrors) {
  for (const char* bad : {
           "v=spf1 -all:3030",              // all takes nothing
           "v=spf1 ip4:1.2.3.4/33",         // prefix too long
           "v=spf1 ip4:1.2.3.444/24",       // not an address
           "v=spf1 ip4:1.2.03.4",           // leading zero
           "v=spf1 ip4:1.2.3.4/024",        // leading zero in the length
           "v=spf1 ip4:2001:db8::1",        // wrong family
           "v=spf1 ip6:192.0.2.1",
           "v=spf1 ip6:2001:db8::/129",
           "v=spf1 ip6:2001:db8::/32//64",  // dual length only on a and mx
           "v=spf1 a/33",
           "v=spf1 mx//129",
           "v=spf1 a:example.com:8080",     // not a domain-end
           "v=spf1 a:1.2.3.4",              // numeric top label
           "v=spf1 a:example",              // no dot before the top label
           "v=spf1 a:mail.example.com,",
           "v=spf1 include",                // include needs a domain
           "v=spf1 include:",
           "v=spf1 exists",
           "v=spf1 ptr/24",
           "v=spf1 ip4",
           "v=spf1 allow",                  // unknown mechanism
           "v=spf1 !all",                   // unknown qualifier
           "v=spf1 a:%{x}.example.com",     // unknown macro letter
           "v=spf1 a:%{c}.example.com",     // explanation-only letter
           "v=spf1 a:%{d0}.example.com",    // zero parts
           "v=spf1 a:%{d.example.com",      // unterminated
           "v=spf1 a:%x.example.com",       // bad escape
           "v=spf1 a:%{d*}.example.com",    // bad delimiter
           "v=spf1 redirect=a.example.com redirect=b.example.com",
           "v=spf1 exp=a.example.com exp=b.example.com",
           "v=spf1 exp=",
           "v=spf1 redirect=",
           "v=spf1 foo=%",                  // unknown modifier, bad macro-string
           "v=spf1 -all\t",                 // only SP separates terms
           "v=spf1 a:ex\x01mple.com",
           "v=spf2 -all",
       })
    EXPECT_FALSE(parse_record(bad)) << bad;
}

namespace {

MacroContext rfc_context(const char* ip) {
  MacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = *net::parse_ip(ip);
  c.helo = "mx.example.org";
  c.receiver = "mx.example.net";
  c.now = 1700000000;
  c.validated_name = [] { return std::string("mx.example.org"); };
  return c;
}

std::string x(const char* s, const char* ip = "192.0.2.3", MacroUse use = MacroUse::kDomain) {
  auto r = expand_macros(s, rfc_context(ip), use);
  return r ? *r : "ERROR: " + r.error().what;
}

}  // namespace

// RFC 7208 7.4
TEST(SpfMacro, Rfc7208Examples) {
  EXPECT_EQ(x("%{s}"), "strong-bad@email.example.com");
  EXPECT_EQ(x("%{o}"), "email.example.com");
  EXPECT_EQ(x("%{d}"), "email.example.com");
  EXPECT_EQ(x("%{d4}"), "email.example.com");
  EXPECT_EQ(x("%{d3}"), "email.example.com");
  EXPECT_EQ(x("%{d2}"), "example.com");
  EXPECT_EQ(x("%{d1}"), "com");
  EXPECT_EQ(x("%{dr}"), "com.example.email");
  EXPECT_EQ(x("%{d2r}"), "example.email");
  EXPECT_EQ(x("%{l}"), "strong-bad");
  EXPECT_EQ(x("%{l-}"), "strong.bad");
  EXPECT_EQ(x("%{lr}"), "strong-bad");
  EXPECT_EQ(x("%{lr-}"), "bad.strong");
  EXPECT_EQ(x("%{l1r-}"), "strong");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"), "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"), "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, LettersEscapesAndUrlEncoding) {
  EXPECT_EQ(x("%{h}.%{p}"), "mx.example.org.mx.example.org");
  EXPECT_EQ(x("%{v}", "2001:db8::1"), "ip6");
  EXPECT_EQ(x("%%.%_.%-"), "%. .%20");
  EXPECT_EQ(x("%{S}"), "strong-bad%40email.example.com");
  EXPECT_EQ(x("%{d1r}"), "email");
  EXPECT_EQ(x("%{d99}"), "email.example.com");
  EXPECT_EQ(x("%{l+-}"), "strong.bad");
  // c r t only in explanations
  EXPECT_EQ(x("%{c} %{r} %{t}", "2001:db8::cb01", MacroUse::kExplanation), "2001:db8::cb01 mx.example.net 1700000000");
  EXPECT_EQ(x("%{c}"), "ERROR: invalid macro letter in %{c}");
  EXPECT_FALSE(check_macro_string("a b", MacroUse::kDomain));
  EXPECT_TRUE(check_macro_string("a b", MacroUse::kExplanation));
  EXPECT_FALSE(check_macro_string("%", MacroUse::kExplanation));
}

TEST(SpfMacro, DomainSpecEnd) {
  EXPECT_TRUE(valid_domain_spec("example.com"));
  EXPECT_TRUE(valid_domain_spec("example.com."));
  EXPECT_TRUE(valid_domain_spec("%{d}"));
  EXPECT_TRUE(valid_domain_spec("_spf.%{d2}"));
  EXPECT_TRUE(valid_domain_spec("%{d}.x-1"));
  EXPECT_TRUE(valid_domain_spec("foo.1-a"));
  EXPECT_FALSE(valid_domain_spec("foo.123"));
  EXPECT_FALSE(valid_domain_spec("foo.-a"));
  EXPECT_FALSE(valid_domain_spec("localhost"));
  EXPECT_FALSE(valid_domain_spec("%{d}com"));
  EXPECT_FALSE(valid_domain_spec(""));
}
