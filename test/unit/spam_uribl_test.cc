#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tmpdir.h"

#include "spam/uribl.h"

namespace posta::spam {
namespace {

TEST(Uribl, HostOfUri) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://Mail.Example.COM/path?q=1", "mail.example.com"},
      {"HTTPS://user:pw@host.example:8443/x", "host.example"},
      {"www.example.org/page", "www.example.org"},
      {"http://example.net./", "example.net"},
      {"http://[2001:db8::1]:80/", "2001:db8::1"},
      {"http://a@b@evil.example\\x", "evil.example"},
      {"https://spam.example#frag", "spam.example"},
  };
  for (auto& [uri, host] : cases) EXPECT_EQ(uri_host(uri), host) << uri;
  for (const char* none : {"mailto:a@b.example", "/relative/path", "ftp://x.example/", "cid:part1", "http://",
                           "http://[::1", "http://:80/"})
    EXPECT_FALSE(uri_host(none)) << none;
}

TEST(Uribl, TargetOfHost) {
  EXPECT_EQ(uri_target("mail.example.co.uk")->shown, "example.co.uk");
  EXPECT_EQ(uri_target("a.b.example.com")->shown, "example.com");
  EXPECT_EQ(uri_target("example.com")->shown, "example.com");
  auto ip = uri_target("192.0.2.7");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->shown, "192.0.2.7");
  EXPECT_TRUE(ip->ip);
  EXPECT_TRUE(uri_target("2001:db8::1")->ip);
  for (const char* none : {"localhost", "%77ww.example", "exa mple.com", "bücher.example", "a..example", ""})
    EXPECT_FALSE(uri_target(none)) << none;
}

TEST(Uribl, QueryNames) {
  auto t = uri_target("www.spam.co.uk");
  EXPECT_EQ(uribl_query_name(*t, "multi.uribl.test"), "spam.co.uk.multi.uribl.test");
  EXPECT_EQ(uribl_query_name(*uri_target("192.0.2.7"), "multi.uribl.test"), "7.2.0.192.multi.uribl.test");
  EXPECT_EQ(uribl_query_name(*uri_target("2001:db8::1"), "u.test"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.u.test");
  std::string long_name = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
                          std::string(60, 'd') + ".example";
  EXPECT_FALSE(uribl_query_name(UriTarget{long_name, std::nullopt}, "long.zone.test"));
  EXPECT_EQ(uribl_rule_name("multi.surbl.org"), "URIBL_MULTI_SURBL_ORG");
  EXPECT_EQ(uribl_rule_name("dbl-x.test"), "URIBL_DBL_X_TEST");
}

TEST(Uribl, TargetsAreDistinctAndCapped) {
  std::vector<std::string> uris{"http://a.one.example/x", "http://b.one.example/y", "mailto:x@two.example",
                                "http://192.0.2.1/", "www.three.example", "http://four.example"};
  auto t = uri_targets(uris, 10);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].shown, "one.example");
  EXPECT_EQ(t[1].shown, "192.0.2.1");
  EXPECT_EQ(t[2].shown, "three.example");
  EXPECT_EQ(uri_targets(uris, 2).size(), 2u);
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i) many.push_back("http://host" + std::to_string(i) + ".example/");
  EXPECT_EQ(uri_targets(many, 20).size(), 20u);
}

TEST(Uribl, DeadResolverAddsNothing) {
  // nothing listens on port 1: the lookups fail, nothing fires, the zone is named once
  dns::Resolver r({*dns::parse_server("127.0.0.1:1")}, std::chrono::milliseconds(200), 1);
  std::vector<policy::DnsZone> zones{{"u.test", {}, false, 4}};
  auto res = check_uribl(r, zones, uri_targets({"http://spam.example/", "http://other.example/"}, 20));
  EXPECT_TRUE(res.fired.empty());
  EXPECT_EQ(res.queries, 2u);
  ASSERT_EQ(res.failed.size(), 1u);
  EXPECT_TRUE(res.failed[0].starts_with("u.test ("));
}

TEST(Uribl, Config) {
  test::TempDir home;
  ASSERT_EQ(::mkdir((home.path + "/control").c_str(), 0700), 0);
  Control ctl(home.path);
  auto none = load_uribl(ctl);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);  // off by default
  std::ofstream(home.path + "/control/uribl") << "multi.test &0x0e score 6\ndbl.test\nbad..zone\n";
  std::ofstream(home.path + "/control/resolvers") << "127.0.0.1:5353\n";
  std::ofstream(home.path + "/control/uriblmax") << "5\n";
  auto c = load_uribl(ctl);
  ASSERT_TRUE(c && *c);
  ASSERT_EQ((*c)->zones.size(), 2u);
  EXPECT_DOUBLE_EQ((*c)->zones[0].score, 6);
  EXPECT_EQ((*c)->zones[0].mask, 14u);
  EXPECT_DOUBLE_EQ((*c)->zones[1].score, kUriblDefaultScore);
  EXPECT_EQ((*c)->max_targets, 5u);
  EXPECT_EQ((*c)->servers.size(), 1u);
}

}  // namespace
}  // namespace posta::spam
