// lib/scan/clamd: control/clamd, the INSTREAM client against a scripted fake clamd, and
// (ClamdLive*, when POSTA_TEST_CLAMD names one) against a real clamd.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "base/base64.h"
#include "net/address.h"
#include "net/fdpass.h"
#include "scan/clamd.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::scan;
using K = ClamdResult::Kind;

namespace {

// What the fake clamd received of one INSTREAM session.
struct Received {
  std::string command;  // "zINSTREAM"
  std::string data;     // the chunks joined
  bool ended = false;   // the zero-length chunk came
};

// Reads exactly n bytes (false at end of file).
bool read_n(int fd, std::string& out, size_t n) {
  out.resize(n);
  size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    ssize_t r = ::read(fd, out.data() + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// Reads the command and chunks; stops after limit bytes of data (clamd's StreamMaxLength).
Received read_instream(int fd, size_t limit = SIZE_MAX) {
  Received rx;
  std::string c;
  while (read_n(fd, c, 1) && c[0] != '\0') rx.command += c;
  std::string len;
  while (read_n(fd, len, 4)) {
    uint32_t n = ntohl(*reinterpret_cast<const uint32_t*>(len.data()));
    if (n == 0) { rx.ended = true; break; }
    if (rx.data.size() + n > limit) break;
    std::string chunk;
    if (!read_n(fd, chunk, n)) break;
    rx.data += chunk;
  }
  return rx;
}

void send_str(int fd, std::string_view s) { (void)!::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

// A fake clamd on a unix socket: accepts one connection and runs script on it.
class FakeClamd {
 public:
  explicit FakeClamd(std::function<void(int)> script) {
    path_ = dir_.path + "/clamd.sock";
    auto l = net::listen_unix(path_, 0600);
    EXPECT_TRUE(l) << (l ? "" : l.error().what);
    if (!l) return;
    listener_ = std::move(*l);
    thread_ = std::thread([this, script] {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) return;
      Fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn) script(conn.get());
    });
  }
  ~FakeClamd() { if (thread_.joinable()) thread_.join(); }

  ClamdConfig config() const {
    auto c = ClamdConfig::parse({"unix:" + path_});
    EXPECT_TRUE(c);
    c->timeout = std::chrono::milliseconds(2000);
    c->connect_timeout = std::chrono::milliseconds(2000);
    return *c;
  }

 private:
  test::TempDir dir_{"posta-clamd"};
  std::string path_;
  Fd listener_;
  std::thread thread_;
};

}  // namespace

TEST(ClamdConfig, ParsesAddressesAndSettings) {
  auto u = ClamdConfig::parse({"unix:/run/clamav/clamd.ctl"});
  ASSERT_TRUE(u) << u.error().what;
  EXPECT_EQ(u->addr.ss_family, AF_UNIX);
  EXPECT_EQ(u->stream_max, 25u << 20);
  EXPECT_EQ(u->timeout.count(), 60000);
  auto t = ClamdConfig::parse({"127.0.0.1:3310", "streammax 100M", "timeout 30", "connecttimeout 2"});
  ASSERT_TRUE(t) << t.error().what;
  EXPECT_EQ(t->addr.ss_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&t->addr)->sin_port), 3310);
  EXPECT_EQ(t->stream_max, 100u << 20);
  EXPECT_EQ(t->timeout.count(), 30000);
  EXPECT_EQ(t->connect_timeout.count(), 2000);
  auto v6 = ClamdConfig::parse({"[::1]:3310"});
  ASSERT_TRUE(v6) << v6.error().what;
  EXPECT_EQ(v6->addr.ss_family, AF_INET6);
}

TEST(ClamdConfig, RejectsMalformed) {
  for (auto bad : std::vector<std::vector<std::string>>{
           {}, {"unix:relative/path"}, {"unix:"}, {"localhost:3310"}, {"127.0.0.1"},
           {"127.0.0.1:0"}, {"127.0.0.1:99999"}, {"unix:/" + std::string(200, 'x')},
           {"unix:/s", "streammax"}, {"unix:/s", "streammax 0"}, {"unix:/s", "streammax 1X"},
           {"unix:/s", "timeout 0"}, {"unix:/s", "timeout 5s"}, {"unix:/s", "colour blue"}})
    EXPECT_FALSE(ClamdConfig::parse(bad)) << (bad.empty() ? "(empty)" : bad[0] + " / " + bad.back());
}

TEST(ClamdConfig, LoadIsEmptyWithoutTheFile) {
  test::TempDir home;
  std::filesystem::create_directories(home.path + "/control");
  Control control(home.path);
  auto none = ClamdConfig::load(control);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_TRUE(write_file_atomic(home.path + "/control/clamd", "# clamd\nunix:/run/clamav/clamd.ctl\n"));
  auto some = ClamdConfig::load(control);
  ASSERT_TRUE(some && *some);
  EXPECT_EQ((*some)->address, "unix:/run/clamav/clamd.ctl");
  ASSERT_TRUE(write_file_atomic(home.path + "/control/clamd", "somewhere\n"));
  auto bad = ClamdConfig::load(control);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what.find("control/clamd"), std::string::npos) << bad.error().what;
}

TEST(ClamdReply, ParsesEveryKnownAnswer) {
  EXPECT_EQ(parse_instream_reply("stream: OK").kind, K::clean);
  auto v = parse_instream_reply("stream: Eicar-Signature FOUND");
  EXPECT_EQ(v.kind, K::virus);
  EXPECT_EQ(v.detail, "Eicar-Signature");
  auto limit = parse_instream_reply("INSTREAM size limit exceeded. ERROR");
  EXPECT_EQ(limit.kind, K::error);
  EXPECT_NE(limit.detail.find("size limit"), std::string::npos);
  for (auto bad : {"", "stream: ", "stream: FOUND", " FOUND", "stream: OKAY", "PONG", "stream: OK\n"})
    EXPECT_EQ(parse_instream_reply(bad).kind, K::error) << bad;
}

TEST(ClamdFake, CleanMessageSentInChunks) {
  Received rx;
  FakeClamd fake([&](int fd) { rx = read_instream(fd); send_str(fd, std::string_view("stream: OK\0", 11)); });
  auto s = ClamdScan::open(fake.config());
  std::string big(3 << 20, 'a');  // more than one chunk of the client
  s.feed("Subject: hi\r\n\r\n");
  s.feed(big);
  auto r = s.finish();
  EXPECT_EQ(r.kind, K::clean) << describe(r);
  EXPECT_FALSE(r.truncated());
  EXPECT_EQ(r.fed, 15 + big.size());
  EXPECT_EQ(rx.command, "zINSTREAM");
  EXPECT_TRUE(rx.ended);
  EXPECT_EQ(rx.data, "Subject: hi\r\n\r\n" + big);
}

TEST(ClamdFake, VirusFound) {
  FakeClamd fake([](int fd) {
    read_instream(fd);
    send_str(fd, std::string_view("stream: Eicar-Signature FOUND\0", 30));
  });
  auto r = clamd_scan(fake.config(), "X5O!P%@AP");
  EXPECT_EQ(r.kind, K::virus) << describe(r);
  EXPECT_EQ(r.detail, "Eicar-Signature");
  EXPECT_EQ(describe(r), "virus Eicar-Signature");
}

// clamd answers and closes as soon as more than StreamMaxLength arrived: the client reports
// its answer, not a broken pipe.
TEST(ClamdFake, SizeLimitOfClamdIsAnError) {
  FakeClamd fake([](int fd) {
    read_instream(fd, 1000);
    send_str(fd, std::string_view("INSTREAM size limit exceeded. ERROR\0", 36));
    ::shutdown(fd, SHUT_RDWR);
  });
  auto r = clamd_scan(fake.config(), std::string(8 << 20, 'x'));
  EXPECT_EQ(r.kind, K::error);
  EXPECT_NE(r.detail.find("size limit exceeded"), std::string::npos) << r.detail;
}

// With streammax at clamd's limit, a larger message is scanned up to the limit.
TEST(ClamdFake, StreamMaxScansThePrefix) {
  Received rx;
  FakeClamd fake([&](int fd) { rx = read_instream(fd, 1000); send_str(fd, std::string_view("stream: OK\0", 11)); });
  auto c = fake.config();
  c.stream_max = 1000;
  auto s = ClamdScan::open(c);
  s.feed(std::string(600, 'a'));
  s.feed(std::string(600, 'b'));
  s.feed(std::string(600, 'c'));
  auto r = s.finish();
  EXPECT_EQ(r.kind, K::clean) << describe(r);
  EXPECT_TRUE(r.truncated());
  EXPECT_EQ(r.scanned, 1000u);
  EXPECT_EQ(r.fed, 1800u);
  EXPECT_EQ(describe(r), "clean (scanned 1000 of 1800 bytes)");
  EXPECT_TRUE(rx.ended);
  EXPECT_EQ(rx.data, std::string(600, 'a') + std::string(400, 'b'));
}

TEST(ClamdFake, GarbageAnswerIsAnError) {
  FakeClamd fake([](int fd) { read_instream(fd); send_str(fd, std::string_view("HTTP/1.0 200 OK\r\n\0", 18)); });
  auto r = clamd_scan(fake.config(), "hello");
  EXPECT_EQ(r.kind, K::error);
  EXPECT_NE(r.detail.find("unexpected answer"), std::string::npos) << r.detail;
}

TEST(ClamdFake, CloseMidAnswerIsAnErrorNotClean) {
  FakeClamd fake([](int fd) { read_instream(fd); send_str(fd, "stream: O"); });
  auto r = clamd_scan(fake.config(), "hello");
  EXPECT_EQ(r.kind, K::error);
  EXPECT_NE(r.detail.find("cut short"), std::string::npos) << r.detail;
}

TEST(ClamdFake, CloseWithoutAnswerIsAnError) {
  FakeClamd fake([](int fd) { read_instream(fd); });
  auto r = clamd_scan(fake.config(), "hello");
  EXPECT_EQ(r.kind, K::error);
  EXPECT_NE(r.detail.find("no answer"), std::string::npos) << r.detail;
}

TEST(ClamdFake, SilentClamdTimesOut) {
  FakeClamd fake([](int fd) {
    read_instream(fd);
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 3000);  // until the client gives up and closes
  });
  auto c = fake.config();
  c.timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  auto r = clamd_scan(c, "hello");
  EXPECT_EQ(r.kind, K::error);
  EXPECT_NE(r.detail.find("no answer from clamd within"), std::string::npos) << r.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

// A clamd that stops reading: the writes time out instead of blocking forever.
TEST(ClamdFake, StalledReaderTimesOut) {
  FakeClamd fake([](int fd) {
    pollfd p{fd, POLLRDHUP, 0};
    ::poll(&p, 1, 5000);
  });
  auto c = fake.config();
  c.timeout = std::chrono::milliseconds(300);
  auto r = clamd_scan(c, std::string(16 << 20, 'x'));
  EXPECT_EQ(r.kind, K::error) << describe(r);
}

TEST(ClamdFake, NoClamdIsUnavailable) {
  test::TempDir dir;
  auto c = ClamdConfig::parse({"unix:" + dir.path + "/nothing.sock"});
  ASSERT_TRUE(c);
  auto s = ClamdScan::open(*c);
  s.feed("hello");
  auto r = s.finish();
  EXPECT_EQ(r.kind, K::unavailable);
  EXPECT_NE(r.detail.find("unable to connect to clamd at unix:"), std::string::npos) << r.detail;
  EXPECT_FALSE(clamd_ping(*c));
}

TEST(ClamdFake, RefusedTcpPortIsUnavailable) {
  // a port bound but not listening refuses connections
  auto any = net::bind_addr("127.0.0.1", "0");
  ASSERT_TRUE(any);
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&any->ss), any->len), 0);
  ASSERT_EQ(::getsockname(s.get(), reinterpret_cast<sockaddr*>(&any->ss), &any->len), 0);
  auto port = ntohs(reinterpret_cast<sockaddr_in*>(&any->ss)->sin_port);
  auto c = ClamdConfig::parse({"127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(c);
  EXPECT_EQ(clamd_scan(*c, "hello").kind, K::unavailable);
}

TEST(ClamdFake, ScansWhatAnFdGives) {
  Received rx;
  FakeClamd fake([&](int fd) { rx = read_instream(fd); send_str(fd, std::string_view("stream: OK\0", 11)); });
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  std::string msg(200000, 'm');
  std::thread writer([&] { (void)write_all(p->write.get(), msg); p->write.reset(); });
  auto r = clamd_scan_fd(fake.config(), p->read.get());
  writer.join();
  EXPECT_EQ(r.kind, K::clean) << describe(r);
  EXPECT_EQ(r.fed, msg.size());
  EXPECT_EQ(rx.data, msg);
}

TEST(ClamdFake, Ping) {
  std::string got;
  FakeClamd fake([&](int fd) { read_n(fd, got, 6); send_str(fd, std::string_view("PONG\0", 5)); });
  auto s = clamd_ping(fake.config());
  EXPECT_TRUE(s) << s.error().what;
  EXPECT_EQ(got, std::string("zPING\0", 6));
}

// Against a real clamd (test/lib/clamd.bash, run by test/bats/scan.bats): POSTA_TEST_CLAMD is
// its control/clamd line, POSTA_TEST_CLAMD_STREAMMAX its StreamMaxLength in bytes.
namespace {

const char* kEicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

std::optional<ClamdConfig> live_clamd() {
  const char* a = std::getenv("POSTA_TEST_CLAMD");
  if (!a || !*a) return std::nullopt;
  std::vector<std::string> lines{a};
  if (const char* m = std::getenv("POSTA_TEST_CLAMD_STREAMMAX")) lines.push_back(std::string("streammax ") + m);
  auto c = ClamdConfig::parse(lines);
  EXPECT_TRUE(c) << c.error().what;
  return c ? std::optional(*c) : std::nullopt;
}

#define LIVE_CLAMD(c)                                                 \
  auto c##_opt = live_clamd();                                        \
  if (!c##_opt) GTEST_SKIP() << "POSTA_TEST_CLAMD is not set";        \
  auto c = *c##_opt

}  // namespace

TEST(ClamdLive, Ping) {
  LIVE_CLAMD(c);
  auto s = clamd_ping(c);
  EXPECT_TRUE(s) << s.error().what;
}

TEST(ClamdLive, EicarIsFound) {
  LIVE_CLAMD(c);
  auto r = clamd_scan(c, kEicar);
  EXPECT_EQ(r.kind, K::virus) << describe(r);
  EXPECT_NE(r.detail.find("Eicar"), std::string::npos) << r.detail;
}

TEST(ClamdLive, EicarAttachmentInAMessageIsFound) {
  LIVE_CLAMD(c);
  std::string msg =
      "From: a@example.test\r\nTo: b@example.test\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
      "--XX\r\nContent-Type: application/octet-stream; name=eicar.com\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" + base64_encode(kEicar) + "\r\n--XX--\r\n";
  auto s = ClamdScan::open(c);
  for (size_t i = 0; i < msg.size(); i += 7) s.feed(std::string_view(msg).substr(i, 7));
  auto r = s.finish();
  EXPECT_EQ(r.kind, K::virus) << describe(r);
}

TEST(ClamdLive, CleanMessageIsOk) {
  LIVE_CLAMD(c);
  auto r = clamd_scan(c, "From: a@example.test\r\nSubject: hi\r\n\r\nnothing to see\r\n");
  EXPECT_EQ(r.kind, K::clean) << describe(r);
}

TEST(ClamdLive, LargerThanStreamMaxIsScannedUpToIt) {
  LIVE_CLAMD(c);
  if (!std::getenv("POSTA_TEST_CLAMD_STREAMMAX")) GTEST_SKIP() << "POSTA_TEST_CLAMD_STREAMMAX is not set";
  std::string big(c.stream_max + (1 << 20), 'x');
  auto r = clamd_scan(c, big);
  EXPECT_EQ(r.kind, K::clean) << describe(r);
  EXPECT_TRUE(r.truncated());
  EXPECT_EQ(r.scanned, c.stream_max);
  // one byte past clamd's limit: clamd refuses, and says so
  c.stream_max += 1;
  auto over = clamd_scan(c, big);
  EXPECT_EQ(over.kind, K::error) << describe(over);
}
