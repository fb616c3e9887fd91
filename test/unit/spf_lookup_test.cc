// lib/spf ResolverLookup: answers come from lib/dns and are kept for the session, except
// temporary failures, which are asked again. The server is a loopback UDP socket that
// answers NXDOMAIN to everything (never the system resolver).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "spf/lookup.h"
#include "udp_loopback.h"

using namespace posta;

namespace {

class NxServer {
 public:
  NxServer() {
    th_ = std::thread([this] {
      char buf[1500];
      for (;;) {
        sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = ::recvfrom(udp_.fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n < 12 || buf[2] == 'Q') return;  // "..Q": stop
        ++queries;
        buf[2] = static_cast<char>(0x81);  // QR RD
        buf[3] = static_cast<char>(0x83);  // RA, NXDOMAIN
        buf[11] = 0;                       // no additional records (the OPT is dropped)
        size_t end = 12;
        while (end < static_cast<size_t>(n) && buf[end]) end += 1 + static_cast<uint8_t>(buf[end]);
        ::sendto(udp_.fd.get(), buf, end + 5, 0, reinterpret_cast<sockaddr*>(&from), fl);
      }
    });
  }
  ~NxServer() {
    udp_.send_to_self("xxQxxxxxxxxxx");
    th_.join();
  }
  int port() const { return udp_.port; }
  std::atomic<int> queries{0};

 private:
  posta::testing::UdpLoopback udp_;
  std::thread th_;
};

dns::Resolver resolver_at(int port) {
  auto s = dns::parse_server("127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(s);
  return dns::Resolver({*s}, std::chrono::milliseconds(300), 1);
}

}  // namespace

TEST(SpfLookup, CachesAnswersForTheSession) {
  NxServer server;
  spf::ResolverLookup dns(resolver_at(server.port()));
  auto a = dns.query_all({{"a.example", dns::kTxt}, {"b.example", dns::kA}});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].status, dns::QueryStatus::kNxDomain);
  EXPECT_EQ(a[1].status, dns::QueryStatus::kNxDomain);
  EXPECT_EQ(server.queries, 2);
  // the same questions (in any case) are answered from the cache; a new one is asked
  auto b = dns.query_all({{"A.Example", dns::kTxt}, {"c.example", dns::kA}, {"b.example", dns::kA}});
  EXPECT_EQ(b[0].status, dns::QueryStatus::kNxDomain);
  EXPECT_EQ(b[1].status, dns::QueryStatus::kNxDomain);
  EXPECT_EQ(server.queries, 3);
  EXPECT_EQ(dns.cached(), 3u);
  EXPECT_EQ(dns.query("a.example", dns::kA).status, dns::QueryStatus::kNxDomain);  // another type
  EXPECT_EQ(server.queries, 4);
}

TEST(SpfLookup, TemporaryFailuresAreNotCached) {
  int dead;
  {
    NxServer gone;  // a port that was just free
    dead = gone.port();
  }
  spf::ResolverLookup dns(resolver_at(dead));
  EXPECT_EQ(dns.query("a.example", dns::kTxt).status, dns::QueryStatus::kTempFail);
  EXPECT_EQ(dns.cached(), 0u);
}
