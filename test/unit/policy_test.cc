// lib/policy: the posta-policyd protocol, greylisting and rate counting (with a clock the
// tests move), DNS list zones and answers, limits, trusted networks, HELO names.
#include <gtest/gtest.h>

#include <fstream>

#include "policy/client_name.h"
#include "policy/decide.h"
#include "policy/dnsbl.h"
#include "policy/greylist.h"
#include "policy/limits.h"
#include "policy/policy_db.h"
#include "policy/policy_proto.h"
#include "policy/rate.h"
#include "tmpdir.h"

namespace posta::policy {
namespace {

net::IpAddr ip(const char* s) { return *net::parse_ip(s); }

TEST(PolicyProto, RequestsRoundTrip) {
  std::vector<Request> rs{GreylistRequest{"192.0.2.1", "a@b.example", "c@d.example"},
                          GreylistRequest{"2001:db8::1", "", "\"x y\"%@d.example"},
                          RateRequest{"auth-msg:alice@example.org", 200, 3600}, RateRequest{"k", 0, 1}};
  for (auto& r : rs) {
    std::string line = encode_request(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto d = decode_request(line);
    ASSERT_TRUE(d) << line << ": " << d.error().what;
    EXPECT_EQ(*d, r) << line;
  }
  EXPECT_EQ(encode_request(GreylistRequest{"192.0.2.1", "", "a b@c"}), "greylist 192.0.2.1 <> a%20b@c");
  // a field that is "<>" itself is not the empty one
  EXPECT_EQ(encode_field("<>"), "%3C%3E");
  EXPECT_EQ(*decode_field("%3C%3E"), "<>");
}

TEST(PolicyProto, MalformedRequestsFail) {
  for (const char* bad :
       {"", "greylist", "greylist 1.2.3.4 a b c", "greylist  1.2.3.4 a b", "greylist 1.2.3.4 a <>", "greylist <> a b",
        "rate k 10", "rate k 10 0", "rate k -1 60", "rate k 10 60 ", "rate <> 1 1", "rate k 99999999999 60",
        "rate k 1x 60", "greylist 1.2.3.4 a%2 b", "greylist 1.2.3.4 a%zz b", "GREYLIST 1.2.3.4 a b", "hello"}) {
    EXPECT_FALSE(decode_request(bad)) << bad;
  }
  EXPECT_FALSE(decode_request("rate " + std::string(kMaxPolicyLine, 'k') + " 1 1"));
  // raw angle brackets would grow threefold when encoded again (found by local_proto_fuzz)
  EXPECT_FALSE(decode_field("a<b"));
  EXPECT_FALSE(decode_field(">"));
  EXPECT_FALSE(decode_request("greylist 1.2.3.4 <a@b> c@d"));
}

// Whatever decodes under the line limit encodes to a line that decodes to the same.
TEST(PolicyProto, DecodedRequestsStayUnderTheLimit) {
  std::string key(kMaxPolicyLine - 20, '\x80');
  auto d = decode_request("rate " + key + " 0010 60");
  ASSERT_TRUE(d);
  auto again = decode_request(encode_request(*d));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *d);
}

TEST(PolicyProto, AnswersRoundTrip) {
  std::vector<Answer> as{{Answer::Kind::kPass, 0, ""},
                         {Answer::Kind::kDefer, 297, ""},
                         {Answer::Kind::kOk, 0, ""},
                         {Answer::Kind::kOver, 0, ""},
                         {Answer::Kind::kError, 0, "database trouble"}};
  for (auto& a : as) {
    auto d = decode_answer(encode_answer(a));
    ASSERT_TRUE(d) << encode_answer(a);
    EXPECT_EQ(*d, a);
  }
  for (const char* bad : {"", "defer", "defer x", "defer -1", "error", "error ", "passed", "ok "})
    EXPECT_FALSE(decode_answer(bad)) << bad;
  EXPECT_EQ(encode_answer({Answer::Kind::kError, 0, "a\nb"}), "error a?b");
}

TEST(Greylist, FirstAttemptDeferredRetryAfterDelayPasses) {
  MemoryStore s;
  GreylistSettings g;
  g.delay = 300;
  auto v = greylist_check(s, g, ip("192.0.2.10"), "a@x.example", "u@ours.example", 1000);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->pass);
  EXPECT_EQ(v->retry_in, 300);
  v = greylist_check(s, g, ip("192.0.2.10"), "a@x.example", "u@ours.example", 1100);
  EXPECT_FALSE(v->pass);
  EXPECT_EQ(v->retry_in, 200);
  // another host of the same /24 retrying the same triplet
  v = greylist_check(s, g, ip("192.0.2.77"), "A@X.example", "u@ours.example", 1300);
  EXPECT_TRUE(v->pass);
  v = greylist_check(s, g, ip("192.0.2.10"), "a@x.example", "u@ours.example", 5000);
  EXPECT_TRUE(v->pass);
  // another network is another triplet
  v = greylist_check(s, g, ip("192.0.3.10"), "a@x.example", "u@ours.example", 5000);
  EXPECT_FALSE(v->pass);
}

TEST(Greylist, LifetimesAndExpiry) {
  MemoryStore s;
  GreylistSettings g;
  auto ipa = ip("2001:db8:1:2::5");
  // unconfirmed for more than two days: starts over
  ASSERT_FALSE(greylist_check(s, g, ipa, "a@x", "u@y", 0)->pass);
  auto v = greylist_check(s, g, ip("2001:db8:1:2:ffff::1"), "a@x", "u@y", 2 * 86400 + 1);
  EXPECT_FALSE(v->pass);
  EXPECT_EQ(v->retry_in, g.delay);
  EXPECT_TRUE(greylist_check(s, g, ipa, "a@x", "u@y", 2 * 86400 + 1 + g.delay)->pass);
  // passed: remembered 35 days after the last use
  int64_t t = 2 * 86400 + 1 + g.delay;
  EXPECT_TRUE(greylist_check(s, g, ipa, "a@x", "u@y", t + 30 * 86400)->pass);
  EXPECT_TRUE(greylist_check(s, g, ipa, "a@x", "u@y", t + 64 * 86400)->pass);
  EXPECT_FALSE(greylist_check(s, g, ipa, "a@x", "u@y", t + 100 * 86400)->pass);
  // expiry removes what is past its lifetime: the fresh triplet stays
  ASSERT_FALSE(greylist_check(s, g, ip("192.0.2.1"), "old@x", "u@y", t)->pass);
  auto gone = greylist_expire(s, g, t + 100 * 86400 + 10);
  ASSERT_TRUE(gone);
  EXPECT_GE(*gone, 1u);
  size_t left = 0;
  (void)s.scan("g:", [&](std::string_view, std::string_view) { return ++left, true; });
  EXPECT_EQ(left, 1u);
}

TEST(Greylist, NetworkAllowedAfterPasses) {
  MemoryStore s;
  GreylistSettings g;
  g.auto_allow = 2;
  int64_t t = 1000;
  for (const char* sender : {"a@x", "b@x"}) {
    EXPECT_FALSE(greylist_check(s, g, ip("198.51.100.1"), sender, "u@y", t)->pass);
    EXPECT_TRUE(greylist_check(s, g, ip("198.51.100.2"), sender, "u@y", t + g.delay)->pass);
  }
  // a new triplet from the network passes at once
  EXPECT_TRUE(greylist_check(s, g, ip("198.51.100.200"), "new@z", "v@y", t + g.delay + 1)->pass);
  g.auto_allow = 0;
  EXPECT_FALSE(greylist_check(s, g, ip("198.51.100.200"), "other@z", "v@y", t + g.delay + 1)->pass);
}

TEST(Greylist, NoDelayPassesAtOnce) {
  MemoryStore s;
  GreylistSettings g;
  g.delay = 0;
  EXPECT_TRUE(greylist_check(s, g, ip("192.0.2.1"), "a@x", "u@y", 100)->pass);
  EXPECT_TRUE(greylist_check(s, g, ip("192.0.2.1"), "a@x", "u@y", 101)->pass);
}

TEST(Greylist, Network) {
  EXPECT_EQ(greylist_network(ip("192.0.2.200")), "192.0.2.0/24");
  EXPECT_EQ(greylist_network(ip("::ffff:192.0.2.200")), "192.0.2.0/24");
  EXPECT_EQ(greylist_network(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
}

TEST(Rate, FixedWindows) {
  MemoryStore s;
  // window [600, 660): three allowed, the fourth over and not counted
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(*rate_count(s, "k", 3, 60, 600 + i));
  EXPECT_FALSE(*rate_count(s, "k", 3, 60, 659));
  EXPECT_FALSE(*rate_count(s, "k", 3, 60, 659));
  EXPECT_TRUE(*rate_count(s, "other", 3, 60, 659));
  // the next window starts afresh
  EXPECT_TRUE(*rate_count(s, "k", 3, 60, 660));
  EXPECT_FALSE(*rate_count(s, "k", 0, 60, 660));
  EXPECT_FALSE(rate_count(s, "k", 3, 0, 660));
  EXPECT_EQ(*rate_expire(s, 86400, 660 + 86400 + 61), 2u);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Decide, AnswersFromTheStore) {
  MemoryStore s;
  GreylistSettings g;
  g.delay = 2;
  auto a = decide(s, g, GreylistRequest{"127.0.0.2", "", "p@example.test"}, 100);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, Answer::Kind::kDefer);
  EXPECT_EQ(a->seconds, 2u);
  EXPECT_EQ(decide(s, g, GreylistRequest{"127.0.0.3", "", "p@example.test"}, 102)->kind, Answer::Kind::kPass);
  EXPECT_EQ(decide(s, g, GreylistRequest{"nonsense", "", "p@x"}, 102)->kind, Answer::Kind::kError);
  EXPECT_EQ(decide(s, g, RateRequest{"k", 1, 60}, 100)->kind, Answer::Kind::kOk);
  EXPECT_EQ(decide(s, g, RateRequest{"k", 1, 60}, 100)->kind, Answer::Kind::kOver);
  EXPECT_EQ(decide(s, g, RateRequest{"k", 1, kMaxRateWindow + 1}, 100)->kind, Answer::Kind::kError);
}

TEST(PolicyDb, KeepsStateAcrossOpens) {
  test::TempDir d;
  GreylistSettings g;
  g.delay = 5;
  {
    auto db = PolicyDb::open(d.path);
    ASSERT_TRUE(db) << db.error().what;
    EXPECT_EQ(db->answer(g, GreylistRequest{"192.0.2.1", "a@x", "b@y"}, 100)->kind, Answer::Kind::kDefer);
    EXPECT_EQ(db->answer(g, RateRequest{"k", 1, 60}, 100)->kind, Answer::Kind::kOk);
  }
  auto db = PolicyDb::open(d.path);
  ASSERT_TRUE(db) << db.error().what;
  EXPECT_EQ(db->answer(g, GreylistRequest{"192.0.2.9", "a@x", "b@y"}, 105)->kind, Answer::Kind::kPass);
  EXPECT_EQ(db->answer(g, RateRequest{"k", 1, 60}, 101)->kind, Answer::Kind::kOver);
  auto gone = db->expire(g, 100 + 100 * 86400);
  ASSERT_TRUE(gone);
  EXPECT_EQ(*gone, 3u);  // triplet, network, counter
}

TEST(Dnsbl, ZoneLines) {
  auto z = parse_zone_line("zen.example.org");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->zone, "zen.example.org");
  EXPECT_TRUE(z->reject);
  EXPECT_TRUE(z->codes.empty());
  z = parse_zone_line("BL.Example.  =127.0.0.2,127.0.0.10 score 2.5");
  ASSERT_TRUE(z) << z.error().what;
  EXPECT_EQ(z->zone, "bl.example");
  EXPECT_EQ(z->codes, (std::vector<std::string>{"127.0.0.2", "127.0.0.10"}));
  EXPECT_FALSE(z->reject);
  EXPECT_DOUBLE_EQ(z->score, 2.5);
  EXPECT_TRUE(parse_zone_line("bl.example =127.0.0.4 reject"));
  z = parse_zone_line("multi.example &0x0e score 3");
  ASSERT_TRUE(z) << z.error().what;
  EXPECT_EQ(z->mask, 14u);
  EXPECT_TRUE(z->codes.empty());
  EXPECT_EQ(parse_zone_line("multi.example &6")->mask, 6u);
  for (const char* bad : {"", "bl..example", "bl.example =x", "bl.example =::1", "bl.example score",
                          "bl.example score x", "bl.example reject extra", "bl.example maybe", "bl.example &0",
                          "bl.example &-2", "bl.example &x", "bl.example &0x100000000", "bl.example &6 =127.0.0.2"})
    EXPECT_FALSE(parse_zone_line(bad)) << bad;
}

TEST(Dnsbl, Names) {
  EXPECT_EQ(reversed_name(ip("127.0.0.1"), "bl.test"), "1.0.0.127.bl.test");
  EXPECT_EQ(reversed_name(ip("2001:db8::1"), "bl.test"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test");
  EXPECT_EQ(domain_name("Spam.Example", "rhs.test"), "spam.example.rhs.test");
  EXPECT_FALSE(domain_name(std::string(250, 'a'), "rhs.test"));
  EXPECT_EQ(ptr_name(ip("192.0.2.1")), "1.2.0.192.in-addr.arpa");
}

dns::Answer a_answer(std::vector<std::string> addrs, dns::QueryStatus st = dns::QueryStatus::kOk) {
  dns::Answer a;
  a.status = st;
  for (auto& x : addrs) a.records.push_back({"n", dns::kA, 60, x, 0});
  return a;
}

TEST(Dnsbl, AnswerCodes) {
  DnsZone any{"bl.test", {}, true, 0};
  DnsZone some{"bl.test", {"127.0.0.2", "127.0.0.10"}, true, 0};
  EXPECT_EQ(listed_code(any, a_answer({"127.0.0.2"})), "127.0.0.2");
  EXPECT_EQ(listed_code(any, a_answer({"127.0.0.11"})), "127.0.0.11");
  EXPECT_FALSE(listed_code(any, a_answer({"127.255.255.254"})));  // "query refused"
  EXPECT_FALSE(listed_code(any, a_answer({"192.0.2.1"})));
  EXPECT_FALSE(listed_code(any, a_answer({}, dns::QueryStatus::kNxDomain)));
  EXPECT_FALSE(listed_code(any, a_answer({"127.0.0.2"}, dns::QueryStatus::kTempFail)));
  EXPECT_EQ(listed_code(some, a_answer({"127.0.0.4", "127.0.0.10"})), "127.0.0.10");
  EXPECT_FALSE(listed_code(some, a_answer({"127.0.0.4"})));
  DnsZone bits{"multi.test", {}, false, 1, 0x0c};
  EXPECT_EQ(listed_code(bits, a_answer({"127.0.0.1", "127.0.0.4"})), "127.0.0.4");
  EXPECT_EQ(listed_code(bits, a_answer({"127.0.0.10"})), "127.0.0.10");
  EXPECT_FALSE(listed_code(bits, a_answer({"127.0.0.2"})));
  EXPECT_FALSE(listed_code(bits, a_answer({"127.0.0.1"})));  // "blocked query" of such lists
}

TEST(Dnsbl, DeadResolverSkipsZones) {
  // nothing listens on port 1: every zone fails, none lists
  dns::Resolver r({*dns::parse_server("127.0.0.1:1")}, std::chrono::milliseconds(200), 1);
  std::vector<DnsZone> zones{{"a.test", {}, true, 0}, {"b.test", {}, true, 0}};
  auto found =
      look_up_zones(r, zones, [](const std::string& z) { return std::optional<std::string>("2.0.0.127." + z); });
  EXPECT_TRUE(found.hits.empty());
  EXPECT_EQ(found.failed.size(), 2u);
}

TEST(Limits, Parse) {
  auto l = parse_limits("conn=60  msg=120", "conn msg");
  ASSERT_TRUE(l);
  EXPECT_EQ(limit_of(*l, "conn"), 60u);
  EXPECT_EQ(limit_of(*l, "msg"), 120u);
  EXPECT_EQ(limit_of(*l, "rcpt"), 0u);
  EXPECT_TRUE(parse_limits("", "msg")->empty());
  for (const char* bad : {"rcpt=1", "msg", "msg=", "msg=x", "msg=-1", "msg=1x"})
    EXPECT_FALSE(parse_limits(bad, "msg")) << bad;
}

TEST(ClientName, HeloChecks) {
  auto ours = [](const std::string& d) { return d == "example.test"; };
  auto client = ip("192.0.2.1");
  EXPECT_FALSE(helo_problem("mail.sender.example", client, "mx.example.test", ours));
  EXPECT_FALSE(helo_problem("[192.0.2.1]", client, "mx.example.test", ours));
  EXPECT_TRUE(helo_problem("[192.0.2.2]", client, "mx.example.test", ours));
  EXPECT_FALSE(helo_problem("[IPv6:2001:db8::1]", ip("2001:db8::1"), "mx", ours));
  EXPECT_TRUE(helo_problem("[junk]", client, "mx", ours));
  EXPECT_TRUE(helo_problem("localhost", client, "mx", ours));
  EXPECT_TRUE(helo_problem("192.0.2.1", client, "mx", ours));
  EXPECT_TRUE(helo_problem("a..b", client, "mx", ours));
  EXPECT_TRUE(helo_problem("bad_char!.example", client, "mx", ours));
  EXPECT_TRUE(helo_problem("MX.Example.test", client, "mx.example.test", ours));
  EXPECT_TRUE(helo_problem("example.test", client, "mx.other", ours));
}

}  // namespace
}  // namespace posta::policy
