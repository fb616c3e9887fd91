// lib/dns: wire format, resolver configuration, MX ordering, host cache, and live queries
// against a tiny in-process UDP server on loopback (never the system resolver).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "dns/hostcache.h"
#include "dns/mx.h"
#include "dns/resolver.h"
#include "dns/wire.h"
#include "io/fd.h"
#include "tmpdir.h"
#include "udp_loopback.h"

using namespace posta;
using namespace posta::dns;

namespace {

void put16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v & 0xff));
}
std::string encode_name(const std::string& n) {
  std::string out;
  for (auto& l : split(n, '.')) {
    if (l.empty()) continue;
    out.push_back(static_cast<char>(l.size()));
    out += l;
  }
  out.push_back('\0');
  return out;
}

// A response header + the question copied from the query.
std::string answer_header(const std::string& query, int rcode, uint16_t ancount) {
  std::string r = query.substr(0, 2);
  put16(r, static_cast<uint16_t>(0x8180 | rcode));
  put16(r, 1);
  put16(r, ancount);
  put16(r, 0);
  put16(r, 0);
  size_t qend = 12;
  while (query[qend]) qend += 1 + static_cast<uint8_t>(query[qend]);
  r += query.substr(12, qend + 5 - 12);
  return r;
}

void add_rr(std::string& r, const std::string& rdata, uint16_t type) {
  r += "\xc0\x0c";  // pointer to the question name
  put16(r, type);
  put16(r, 1);
  put16(r, 0);
  put16(r, 300);
  put16(r, static_cast<uint16_t>(rdata.size()));
  r += rdata;
}

// Answers: example.test MX 10 mx1, 10 mx2, 5 mx0; mx*.example.test A; null.test MX 0 .;
// nomx.test A only; nx.test NXDOMAIN; fail.test SERVFAIL; drop.test: no answer.
class FakeDns {
 public:
  FakeDns() { th_ = std::thread([this] { serve(); }); }
  ~FakeDns() {
    stop_ = true;
    ::shutdown(udp_.fd.get(), SHUT_RDWR);
    udp_.send_to_self("x");
    th_.join();
  }
  int port() const { return udp_.port; }
  std::atomic<int> queries{0};

 private:
  void serve() {
    char buf[1500];
    while (!stop_) {
      sockaddr_storage from;
      socklen_t fl = sizeof from;
      ssize_t n = ::recvfrom(udp_.fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 12 || stop_) continue;
      ++queries;
      std::string q(buf, n), qname;
      size_t p = 12;
      while (p < q.size() && q[p]) {
        if (!qname.empty()) qname += ".";
        qname += q.substr(p + 1, static_cast<uint8_t>(q[p]));
        p += 1 + static_cast<uint8_t>(q[p]);
      }
      uint16_t type = static_cast<uint16_t>((static_cast<uint8_t>(q[p + 1]) << 8) | static_cast<uint8_t>(q[p + 2]));
      std::string r = respond(q, qname, type);
      if (!r.empty()) ::sendto(udp_.fd.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
    }
  }
  static std::string mx(uint16_t pref, const std::string& host) {
    std::string d;
    put16(d, pref);
    return d + encode_name(host);
  }
  std::string respond(const std::string& q, const std::string& name, uint16_t type) {
    if (name == "drop.test") return "";
    if (name == "nx.test") return answer_header(q, 3, 0);
    if (name == "fail.test") return answer_header(q, 2, 0);
    std::vector<std::pair<std::string, uint16_t>> rrs;
    if (type == kMx && name == "example.test")
      rrs = {{mx(10, "mx1.example.test"), kMx}, {mx(10, "mx2.example.test"), kMx}, {mx(5, "mx0.example.test"), kMx}};
    if (type == kMx && name == "null.test") rrs = {{mx(0, ""), kMx}};
    if (type == kMx && name == "badmx.test") rrs = {{mx(10, "noaddr.badmx.test"), kMx}};
    if (type == kA && (name.rfind("mx", 0) == 0 || name == "nomx.test")) {
      std::string a("\x7f\x00\x00", 3);
      a.push_back(name == "mx0.example.test" ? '\x05' : '\x02');
      rrs = {{a, kA}};
    }
    if (type == kTxt && name == "sel._domainkey.example.test") rrs = {{std::string("\x05v=DKI") + "\x03M1;", kTxt}};
    std::string r = answer_header(q, 0, static_cast<uint16_t>(rrs.size()));
    for (auto& [d, t] : rrs) add_rr(r, d, t);
    return r;
  }

  posta::testing::UdpLoopback udp_;
  std::thread th_;
  std::atomic<bool> stop_{false};
};

Resolver local_resolver(int port) {
  auto s = parse_server("127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(s);
  return Resolver({*s}, std::chrono::milliseconds(300), 1);
}

}  // namespace

TEST(DnsWire, QueryAndParse) {
  auto q = build_query(0x1234, "Example.TEST.", kMx);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->substr(0, 2), "\x12\x34");
  EXPECT_NE(q->find(encode_name("example.test")), std::string::npos);
  std::string r = answer_header(*q, 0, 1);
  std::string d;
  put16(d, 10);
  d += encode_name("mx.example.test");
  add_rr(r, d, kMx);
  EXPECT_TRUE(matches_query(r, 0x1234, "example.test", kMx));
  EXPECT_FALSE(matches_query(r, 0x1235, "example.test", kMx));
  EXPECT_FALSE(matches_query(r, 0x1234, "other.test", kMx));
  auto p = parse_response(r);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->answers.size(), 1u);
  EXPECT_EQ(p->answers[0].data, "mx.example.test");
  EXPECT_EQ(p->answers[0].pref, 10);
  EXPECT_EQ(p->answers[0].name, "example.test");
}

TEST(DnsWire, PtrRecords) {
  auto q = build_query(7, "1.2.0.192.in-addr.arpa", kPtr);
  ASSERT_TRUE(q);
  std::string r = answer_header(*q, 0, 1);
  add_rr(r, encode_name("Mail.Example.TEST"), kPtr);
  auto p = parse_response(r);
  ASSERT_TRUE(p) << p.error().what;
  ASSERT_EQ(p->answers.size(), 1u);
  EXPECT_EQ(p->answers[0].type, kPtr);
  EXPECT_EQ(p->answers[0].data, "mail.example.test");
  std::string bad = answer_header(*q, 0, 1);
  add_rr(bad, std::string("\x05" "ab", 3), kPtr);
  EXPECT_FALSE(parse_response(bad));
}

TEST(DnsWire, RejectsMalformed) {
  EXPECT_FALSE(build_query(1, "a..b", kA));
  EXPECT_FALSE(build_query(1, std::string(64, 'a') + ".test", kA));
  EXPECT_FALSE(build_query(1, "", kA));
  auto q = build_query(7, "loop.test", kA);
  std::string r = answer_header(*q, 0, 1);
  // a compression pointer to itself
  std::string loop = r + "\xc0";
  loop.push_back(static_cast<char>(r.size()));
  EXPECT_FALSE(parse_response(loop));
  // truncated answer
  std::string t = answer_header(*q, 0, 1);
  add_rr(t, std::string("\x7f\x00\x00\x01", 4), kA);
  EXPECT_TRUE(parse_response(t));
  for (size_t cut = 0; cut < t.size(); ++cut) EXPECT_FALSE(parse_response(t.substr(0, cut))) << cut;
  // bad A length
  std::string bad = answer_header(*q, 0, 1);
  add_rr(bad, std::string("\x7f\x00\x01", 3), kA);
  EXPECT_FALSE(parse_response(bad));
  EXPECT_FALSE(parse_response("short"));
}

TEST(DnsConfig, ServersAndResolvConf) {
  for (const char* good : {"127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353"})
    EXPECT_TRUE(parse_server(good)) << good;
  for (const char* bad : {"127.0.0.1:0", "127.0.0.1:99999", "localhost", "[::1"})
    EXPECT_FALSE(parse_server(bad)) << bad;
  posta::test::TempDir tmp("posta-dns");
  const std::string& dir = tmp.path;
  ::mkdir((dir + "/control").c_str(), 0755);
  ASSERT_TRUE(write_file_atomic(dir + "/resolv.conf", "# c\nsearch x\nnameserver 10.1.2.3\nnameserver ::1\n"));
  Control c(dir);
  auto s = configured_servers(c, dir + "/resolv.conf");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].text, "10.1.2.3");
  ASSERT_TRUE(write_file_atomic(dir + "/control/resolvers", "127.0.0.1:5300\n"));
  s = configured_servers(c, dir + "/resolv.conf");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].text, "127.0.0.1:5300");
  ASSERT_TRUE(write_file_atomic(dir + "/control/resolvers", "bogus\n"));
  EXPECT_FALSE(configured_servers(c, dir + "/resolv.conf"));
}

TEST(DnsMx, Ordering) {
  std::vector<Record> mx{{"d", kMx, 0, "b", 20}, {"d", kMx, 0, "a", 10}, {"d", kMx, 0, "c", 10},
                         {"d", kMx, 0, "a", 30}};
  ASSERT_TRUE(order_mx(mx, false));
  ASSERT_EQ(mx.size(), 3u);  // duplicate host dropped
  EXPECT_EQ(mx[0].data, "a");
  EXPECT_EQ(mx[1].data, "c");
  EXPECT_EQ(mx[2].data, "b");
  std::vector<Record> null{{"d", kMx, 0, "", 0}};
  EXPECT_FALSE(order_mx(null, true));
  std::vector<Record> mixed{{"d", kMx, 0, "", 0}, {"d", kMx, 0, "x", 10}};
  EXPECT_TRUE(order_mx(mixed, true));
  EXPECT_EQ(mixed.size(), 1u);
  EXPECT_EQ(ip_literal("[127.0.0.1]"), "127.0.0.1");
  EXPECT_EQ(ip_literal("[IPv6:::1]"), "::1");
  EXPECT_EQ(ip_literal("example.test"), "");
}

TEST(DnsLive, MxImplicitNullNx) {
  FakeDns dns;
  auto r = local_resolver(dns.port());
  LookupOptions o;
  o.shuffle = false;
  auto d = resolve_mx(r, "example.test", o);
  ASSERT_EQ(d.kind, Destination::Kind::kOk) << d.error;
  ASSERT_EQ(d.targets.size(), 3u);
  EXPECT_EQ(d.targets[0].host, "mx0.example.test");
  EXPECT_EQ(d.targets[0].addresses, std::vector<std::string>{"127.0.0.5"});
  EXPECT_EQ(d.targets[1].host, "mx1.example.test");
  d = resolve_mx(r, "nomx.test", o);
  ASSERT_EQ(d.kind, Destination::Kind::kOk) << d.error;
  EXPECT_EQ(d.targets[0].host, "nomx.test");
  EXPECT_EQ(resolve_mx(r, "null.test", o).kind, Destination::Kind::kNullMx);
  EXPECT_TRUE(resolve_mx(r, "null.test", o).permanent());
  EXPECT_EQ(resolve_mx(r, "nx.test", o).kind, Destination::Kind::kNoSuchDomain);
  EXPECT_EQ(resolve_mx(r, "fail.test", o).kind, Destination::Kind::kTempFail);
  EXPECT_EQ(resolve_mx(r, "badmx.test", o).kind, Destination::Kind::kTempFail);
  EXPECT_EQ(resolve_mx(r, "[127.0.0.9]", o).targets[0].addresses[0], "127.0.0.9");
  auto t = r.query("sel._domainkey.example.test", kTxt);
  ASSERT_EQ(t.status, QueryStatus::kOk);
  EXPECT_EQ(t.records[0].data, "v=DKIM1;");
}

TEST(DnsLive, TimeoutIsTemporary) {
  FakeDns dns;
  auto r = local_resolver(dns.port());
  auto start = std::chrono::steady_clock::now();
  auto d = resolve_mx(r, "drop.test");
  EXPECT_EQ(d.kind, Destination::Kind::kTempFail);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(resolve_host(r, "drop.test").kind, Destination::Kind::kTempFail);
  // nobody listening at all (ICMP port unreachable on loopback)
  auto dead = local_resolver(1);
  EXPECT_EQ(dead.query("example.test", kMx).status, QueryStatus::kTempFail);
}

TEST(DnsHostCache, MarksAndExpires) {
  posta::test::TempDir tmp("posta-hc");
  const std::string& dir = tmp.path;
  HostCache c(dir + "/hostcache", 60);
  EXPECT_FALSE(c.is_dead("127.0.0.1", 25));
  c.mark_dead("127.0.0.1", 25);
  c.mark_dead("::1", 25);
  EXPECT_TRUE(c.is_dead("127.0.0.1", 25));
  EXPECT_TRUE(c.is_dead("::1", 25));
  EXPECT_FALSE(c.is_dead("127.0.0.1", 26));
  EXPECT_FALSE(c.is_dead("127.0.0.1", 25, std::time(nullptr) + 61));
  c.mark_alive("127.0.0.1", 25);
  EXPECT_FALSE(c.is_dead("127.0.0.1", 25));
  HostCache off(dir + "/x", 0);
  off.mark_dead("127.0.0.1", 25);
  EXPECT_FALSE(off.is_dead("127.0.0.1", 25));
}
