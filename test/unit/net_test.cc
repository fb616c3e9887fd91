// lib/net: addresses, CIDR matching and posta-tcpd rules.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "net/address.h"
#include "net/fdpass.h"
#include "net/rules.h"

using namespace posta::net;

TEST(NetAddress, ParsesIPv4AndIPv6) {
  EXPECT_EQ(parse_ip("192.0.2.1")->str(), "192.0.2.1");
  EXPECT_EQ(parse_ip("2001:db8::1")->str(), "2001:db8::1");
  EXPECT_EQ(parse_ip("::ffff:192.0.2.1")->family, AF_INET);  // mapped becomes IPv4
  EXPECT_EQ(parse_ip("::ffff:192.0.2.1")->str(), "192.0.2.1");
  for (auto bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "example.com", "1.2.3.4 ", "::g",
                   "1.2.3.4/8"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
}

TEST(NetAddress, CidrContains) {
  auto c = parse_cidr("10.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(*parse_ip("10.255.1.2")));
  EXPECT_FALSE(c->contains(*parse_ip("11.0.0.1")));
  EXPECT_FALSE(c->contains(*parse_ip("::ffff:11.0.0.1")));
  EXPECT_TRUE(c->contains(*parse_ip("::ffff:10.0.0.1")));
  EXPECT_FALSE(c->contains(*parse_ip("2001:db8::1")));
  auto odd = parse_cidr("192.168.1.77/25");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->str(), "192.168.1.0/25");
  EXPECT_TRUE(odd->contains(*parse_ip("192.168.1.127")));
  EXPECT_FALSE(odd->contains(*parse_ip("192.168.1.128")));
  auto v6 = parse_cidr("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*parse_ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(*parse_ip("2001:db9::1")));
  auto all = parse_cidr("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(*parse_ip("203.0.113.9")));
  auto host = parse_cidr("::1");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix, 128);
  EXPECT_EQ(parse_cidr("::ffff:10.0.0.0/104")->str(), "10.0.0.0/8");
}

// posta-tcpd -C counts IPv6 clients by network: one host of a /64 is as good as another.
TEST(NetAddress, LimitKeyGroupsIPv6ByPrefix) {
  auto k = [](const char* a, int p) { return limit_key(*parse_ip(a), p).str(); };
  EXPECT_EQ(k("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64), "2001:db8:1:2::");
  EXPECT_EQ(limit_key(*parse_ip("2001:db8:1:2::1"), 64), limit_key(*parse_ip("2001:db8:1:2:ffff::9"), 64));
  EXPECT_NE(limit_key(*parse_ip("2001:db8:1:2::1"), 64), limit_key(*parse_ip("2001:db8:1:3::1"), 64));
  EXPECT_EQ(k("2001:db8:1:2:3:4:5:6", 128), "2001:db8:1:2:3:4:5:6");
  EXPECT_EQ(k("2001:db8:1:2:3:4:5:6", 56), "2001:db8:1::");
  EXPECT_EQ(k("2001:db8:1:2ff:3:4:5:6", 60), "2001:db8:1:2f0::");
  EXPECT_EQ(k("2001:db8::1", 0), "::");
  // IPv4 and IPv4-mapped IPv6 count per address, whatever the prefix
  EXPECT_EQ(k("192.0.2.7", 64), "192.0.2.7");
  EXPECT_EQ(k("::ffff:192.0.2.7", 64), "192.0.2.7");
  EXPECT_NE(limit_key(*parse_ip("::ffff:192.0.2.7"), 0), limit_key(*parse_ip("::ffff:192.0.2.8"), 0));
  EXPECT_EQ(k("::1", 64), "::");
}

TEST(NetAddress, OctetPrefixes) {
  EXPECT_EQ(parse_cidr("127.")->str(), "127.0.0.0/8");
  EXPECT_EQ(parse_cidr("192.168.")->str(), "192.168.0.0/16");
  EXPECT_EQ(parse_cidr("10.1.2.")->str(), "10.1.2.0/24");
  for (auto bad : {".", "1.2.3.4.", "300.", "a.", "01.", "10..", "10.0.0.0/33", "10.0.0.0/-1",
                   "10.0.0.0/", "::/129", "::ffff:10.0.0.0/95", "x/8"})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
}

TEST(NetAddress, BindAddrAndPorts) {
  EXPECT_EQ(bind_addr("0", "25")->family, AF_INET);
  EXPECT_EQ(bind_addr("::", "25")->family, AF_INET6);
  EXPECT_EQ(bind_addr("[::1]", "0")->family, AF_INET6);
  EXPECT_FALSE(bind_addr("localhost", "25"));
  EXPECT_FALSE(bind_addr("127.0.0.1", "65536"));
  EXPECT_FALSE(bind_addr("127.0.0.1", "smtp"));
  EXPECT_EQ(*parse_port("65535"), 65535);
  EXPECT_FALSE(parse_port("0"));
  EXPECT_FALSE(parse_port("+25"));
  EXPECT_FALSE(parse_port("25x"));
}

TEST(NetRules, LongestMatchWins) {
  auto r = Rules::parse(
      "# comment\n"
      "\n"
      ":deny\n"
      "10.0.0.0/8:allow,RELAYCLIENT=\"\"\n"
      "10.1.0.0/16:deny\n"
      "10.1.2.3:allow,GREETING='hello, world',N=5\n"
      "2001:db8::/32:allow,V6=1\n");
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(r->size(), 5u);
  auto m = r->match(*parse_ip("10.9.9.9"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->allow);
  ASSERT_EQ(m->env.size(), 1u);
  EXPECT_EQ(m->env[0].first, "RELAYCLIENT");
  EXPECT_EQ(m->env[0].second, "");
  EXPECT_FALSE(r->match(*parse_ip("10.1.9.9"))->allow);
  m = r->match(*parse_ip("10.1.2.3"));
  EXPECT_TRUE(m->allow);
  ASSERT_EQ(m->env.size(), 2u);
  EXPECT_EQ(m->env[0].second, "hello, world");
  EXPECT_EQ(m->env[1].second, "5");
  EXPECT_FALSE(r->match(*parse_ip("192.0.2.1"))->allow);  // the default rule
  EXPECT_EQ(r->match(*parse_ip("2001:db8::5"))->env[0].first, "V6");
  EXPECT_EQ(r->match(*parse_ip("::ffff:10.1.2.3"))->line, 6);
}

TEST(NetRules, NoRuleNoMatch) {
  auto r = Rules::parse("127.:allow\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->match(*parse_ip("127.0.0.1")));
  EXPECT_EQ(r->match(*parse_ip("192.0.2.1")), nullptr);
}

TEST(NetRules, RejectsMalformedLines) {
  for (auto bad : {"10.0.0.0/8", "10.0.0.0/8:permit", "10.0.0.0/8:allowx", "bogus:allow",
                   "10.0.0.0/8:allow,=x", "10.0.0.0/8:allow,1X=y", "10.0.0.0/8:allow,X",
                   "10.0.0.0/8:allow,X=\"open", "10.0.0.0/8:deny,X=1", "10.0.0.0/8:allow X=1",
                   "10.0.0.0/8:allow,X=1 junk"}) {
    auto r = Rules::parse(bad);
    EXPECT_FALSE(r) << bad;
  }
  auto r = Rules::parse("127.:allow\n\nnonsense\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what.find("line 3"), std::string::npos);
}

TEST(NetRules, IPv6AddressesWithColons) {
  auto r = Rules::parse("::1:allow,X=1\n::/0:deny\n127.0.0.1:allow,Y=2\n");
  ASSERT_TRUE(r) << r.error().what;
  auto m = r->match(*parse_ip("::1"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "::1");
  EXPECT_EQ(m->env[0].first, "X");
  EXPECT_FALSE(r->match(*parse_ip("2001:db8::1"))->allow);
  // a dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d: they match IPv4 rules
  EXPECT_EQ(r->match(*parse_ip("::ffff:127.0.0.1"))->env[0].first, "Y");
  EXPECT_EQ(r->match(*parse_ip("10.0.0.1")), nullptr);
}

namespace {

std::pair<posta::Fd, posta::Fd> unix_pair() {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  return {posta::Fd(sv[0]), posta::Fd(sv[1])};
}

}  // namespace

TEST(NetFdPass, PassesHeaderAndFds) {
  auto [a, b] = unix_pair();
  auto [x, y] = unix_pair();
  ASSERT_TRUE(send_fds(a.get(), "hello 1", {x.get(), y.get()}));
  auto got = recv_fds(b.get());
  ASSERT_TRUE(got) << got.error().what;
  EXPECT_EQ(got->header, "hello 1");
  ASSERT_EQ(got->fds.size(), 2u);
  EXPECT_EQ(::fcntl(got->fds[0].get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(::write(got->fds[0].get(), "z", 1), 1);  // the passed fd is x itself
  char c = 0;
  ASSERT_EQ(::read(y.get(), &c, 1), 1);
  EXPECT_EQ(c, 'z');
}

TEST(NetFdPass, RejectsBadMessagesAndEof) {
  auto [a, b] = unix_pair();
  EXPECT_FALSE(send_fds(a.get(), "", {}));
  EXPECT_FALSE(send_fds(a.get(), "x", {0, 0, 0, 0, 0}));
  EXPECT_FALSE(send_fds(a.get(), std::string(kMaxPassHeader + 1, 'x'), {}));
  ASSERT_TRUE(send_fds(a.get(), "no fds", {}));
  auto plain = recv_fds(b.get());
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->fds.empty());
  a.reset();
  EXPECT_FALSE(recv_fds(b.get()));
}

TEST(NetFdPass, RecvSomeCollectsAStreamAndItsFds) {
  auto [a, b] = unix_pair();
  auto [x, y] = unix_pair();
  std::string data;
  std::vector<posta::Fd> fds;
  errno = 0;
  EXPECT_EQ(recv_some(b.get(), data, fds), -1);  // nothing yet
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_TRUE(send_fds(a.get(), "first ", {x.get()}));
  ASSERT_EQ(recv_some(b.get(), data, fds), 6);
  ASSERT_TRUE(send_fds(a.get(), "second", {}));
  ASSERT_EQ(recv_some(b.get(), data, fds), 6);
  EXPECT_EQ(data, "first second");
  ASSERT_EQ(fds.size(), 1u);
  EXPECT_EQ(::fcntl(fds[0].get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  a.reset();
  EXPECT_EQ(recv_some(b.get(), data, fds), 0);
}

TEST(NetFdPass, UnixListenConnectPeerCred) {
  auto dir = std::filesystem::temp_directory_path() / ("fdpass." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "s.sock").string();
  auto l = listen_unix(path, 0600);
  ASSERT_TRUE(l) << l.error().what;
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto c = connect_unix(path);
  ASSERT_TRUE(c) << c.error().what;
  posta::Fd s(::accept(l->get(), nullptr, nullptr));
  ASSERT_TRUE(s);
  auto cred = peer_cred(s.get());
  ASSERT_TRUE(cred);
  EXPECT_EQ(cred->uid, ::geteuid());
  EXPECT_TRUE(listen_unix(path, 0660));  // a stale socket file is replaced
  EXPECT_FALSE(connect_unix((dir / "missing.sock").string()));
  EXPECT_FALSE(connect_unix(std::string(200, 'x')));
  std::filesystem::remove_all(dir);
}
