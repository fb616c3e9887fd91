// The pieces under the interpreter: wildcard matching, comparators, variables, dates.
#include <gtest/gtest.h>

#include "sieve/dates.h"
#include "sieve/match.h"
#include "sieve/message_view.h"
#include "sieve/variables.h"

namespace posta::sieve {
namespace {

bool wild(std::string_view p, std::string_view v, std::vector<std::string>* caps = nullptr,
          Comparator c = Comparator::kAsciiCasemap) {
  StepBudget b;
  b.limit = 1000000;
  auto r = wildcard_match(p, v, c, b, caps);
  EXPECT_TRUE(r);
  return r && *r;
}

TEST(SieveParts, Wildcards) {
  EXPECT_TRUE(wild("*", ""));
  EXPECT_TRUE(wild("a*b?c", "aXXbYc"));
  EXPECT_FALSE(wild("a*b?c", "aXXbc"));
  EXPECT_TRUE(wild("A*", "abc"));
  EXPECT_FALSE(wild("A*", "abc", nullptr, Comparator::kOctet));
  EXPECT_TRUE(wild("\\*x", "*x"));
  EXPECT_FALSE(wild("\\*x", "ax"));
  std::vector<std::string> caps;
  EXPECT_TRUE(wild("*@*", "a@b@c", &caps));
  EXPECT_EQ(caps, (std::vector<std::string>{"a@b@c", "a", "b@c"}));
  EXPECT_TRUE(wild("*.?*", "x.y.zz", &caps));
  EXPECT_EQ(caps, (std::vector<std::string>{"x.y.zz", "x", "y", ".zz"}));
}

TEST(SieveParts, WildcardWorkIsBounded) {
  StepBudget b;
  b.limit = 10000;
  std::string v(1 << 20, 'a');
  auto r = wildcard_match("*a*a*a*b", v, Comparator::kOctet, b, nullptr);
  EXPECT_FALSE(r);
}

TEST(SieveParts, Comparators) {
  EXPECT_TRUE(relation_holds(Relation::kLt, "9", "10", Comparator::kAsciiNumeric));
  EXPECT_FALSE(relation_holds(Relation::kLt, "9", "10", Comparator::kOctet));
  EXPECT_TRUE(relation_holds(Relation::kEq, "007", "7", Comparator::kAsciiNumeric));
  EXPECT_TRUE(relation_holds(Relation::kGt, "abc", "99999999999999999999999", Comparator::kAsciiNumeric));
  EXPECT_TRUE(relation_holds(Relation::kEq, "x", "y", Comparator::kAsciiNumeric));  // both infinite
  EXPECT_TRUE(relation_holds(Relation::kEq, "ABC", "abc", Comparator::kAsciiCasemap));
  EXPECT_TRUE(relation_holds(Relation::kNe, "ABC", "abc", Comparator::kOctet));
}

TEST(SieveParts, Variables) {
  auto lookup = [](std::string_view n) -> std::optional<std::string_view> {
    if (n == "a") return "one";
    if (n == "1") return "first";
    return std::nullopt;
  };
  EXPECT_EQ(expand_variables("${a}-${A}-${01}-${b}-${x.y}", lookup, 100), "one-one-first--");
  EXPECT_EQ(expand_variables("${", lookup, 100), "${");
  EXPECT_EQ(expand_variables("${a-}${a}", lookup, 100), "${a-}one");
  EXPECT_EQ(expand_variables("${a}${a}${a}", lookup, 5), "oneon");
  EXPECT_EQ(apply_modifiers("hELLo", kModLower | kModUpperFirst), "Hello");
  EXPECT_EQ(apply_modifiers("a*b?\\", kModQuoteWildcard), "a\\*b\\?\\\\");
  EXPECT_EQ(apply_modifiers("grüße", kModLength), "5");
  EXPECT_EQ(apply_modifiers("a.b", kModQuoteRegex), "a\\.b");
}

TEST(SieveParts, Dates) {
  auto d = parse_mail_date("Tue, 1 Jul 2003 10:52:37 +0200");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->offset_minutes, 120);
  EXPECT_EQ(date_part(*d, "iso8601"), "2003-07-01T10:52:37+02:00");
  EXPECT_EQ(date_part(ZonedTime{d->utc, 0}, "std11"), "Tue, 01 Jul 2003 08:52:37 +0000");
  EXPECT_EQ(date_part(ZonedTime{d->utc, -330}, "time"), "03:22:37");
  EXPECT_EQ(date_part(ZonedTime{d->utc, -330}, "zone"), "-0530");
  EXPECT_EQ(date_part(ZonedTime{0, 0}, "julian"), "40587");
  auto old = parse_mail_date("1 Jan 99 00:00 GMT (comment)");
  ASSERT_TRUE(old);
  EXPECT_EQ(date_part(*old, "year"), "1999");
  EXPECT_EQ(parse_mail_date("32 Jan 2003 10:00 +0000"), std::nullopt);
  EXPECT_EQ(parse_mail_date("not a date"), std::nullopt);
  EXPECT_EQ(parse_mail_date("1 Foo 2003 10:00 +0000"), std::nullopt);
  EXPECT_EQ(parse_zone("+2400"), std::nullopt);
  EXPECT_EQ(parse_zone("-0130"), -90);
}

TEST(SieveParts, AddressParts) {
  EXPECT_EQ(address_part("a+b+c@D.example", AddressPart::kUser), "a");
  EXPECT_EQ(address_part("a+b+c@D.example", AddressPart::kDetail), "b+c");
  EXPECT_EQ(address_part("+x@d", AddressPart::kDetail), std::nullopt);
  EXPECT_EQ(address_part("a@d", AddressPart::kDetail), std::nullopt);
  EXPECT_EQ(address_part("a+@d", AddressPart::kDetail), "");
  EXPECT_EQ(address_part("local", AddressPart::kDomain), "");
  // control/subaddress: other separators, or none at all
  EXPECT_EQ(address_part("a-b+c@d", AddressPart::kDetail, "-+"), "b+c");
  EXPECT_EQ(address_part("a-b@d", AddressPart::kUser, "-"), "a");
  EXPECT_EQ(address_part("a+b@d", AddressPart::kDetail, ""), std::nullopt);
  EXPECT_EQ(address_part("a+b@d", AddressPart::kUser, ""), "a+b");
  EXPECT_EQ(header_addresses("\"A, B\" <a@x.test>, group: c@y.test;, d@z.test (D)"),
            (std::vector<std::string>{"a@x.test", "c@y.test", "d@z.test"}));
}

}  // namespace
}  // namespace posta::sieve
