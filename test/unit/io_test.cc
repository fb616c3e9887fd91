#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "control/control.h"
#include "io/deadline.h"
#include "io/fd.h"
#include "io/line_reader.h"
#include "log/log.h"
#include "proc/child.h"
#include "tmpdir.h"

using namespace posta;
using namespace std::chrono_literals;

namespace {
struct SocketPair {
  Fd a, b;
  SocketPair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    a.reset(sv[0]);
    b.reset(sv[1]);
  }
};
}  // namespace

TEST(Fd, MoveClosesOnce) {
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  int r = p->read.get();
  Fd moved = std::move(p->read);
  EXPECT_FALSE(p->read.valid());
  EXPECT_EQ(moved.get(), r);
  moved.reset();
  EXPECT_EQ(::fcntl(r, F_GETFD), -1);
}

TEST(Io, WriteAllReadAll) {
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  ASSERT_TRUE(write_all(p->write.get(), "hello world"));
  p->write.reset();
  auto s = read_all(p->read.get(), 100);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "hello world");
}

TEST(Io, ReadAllLimit) {
  auto p = Pipe::make();
  ASSERT_TRUE(write_all(p->write.get(), std::string(200, 'x')));
  p->write.reset();
  EXPECT_FALSE(read_all(p->read.get(), 100));
}

TEST(Io, AtomicWriteAndTempFileCleanup) {
  posta::test::TempDir tmp;
  const std::string& d = tmp.path;
  ASSERT_TRUE(write_file_atomic(d + "/f", "data"));
  EXPECT_EQ(*read_file(d + "/f"), "data");
  std::string path;
  {
    auto t = TempFile::create(d);
    ASSERT_TRUE(t);
    path = t->path();
    EXPECT_EQ(::access(path.c_str(), F_OK), 0);
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(LineReader, CrlfLfAndFlags) {
  SocketPair sp;
  ASSERT_TRUE(write_all(sp.a.get(), std::string("one\r\ntwo\nth\rree\r\nn\0ul\r\n", 24)));
  LineReader r(sp.b.get(), 100, 1000ms);
  auto l = r.read_line();
  EXPECT_EQ(l.text, "one");
  EXPECT_FALSE(l.bare_lf);
  l = r.read_line();
  EXPECT_EQ(l.text, "two");
  EXPECT_TRUE(l.bare_lf);
  l = r.read_line();
  EXPECT_TRUE(l.bare_cr);
  l = r.read_line();
  EXPECT_TRUE(l.has_nul);
}

TEST(LineReader, TooLongThenRecovers) {
  SocketPair sp;
  ASSERT_TRUE(write_all(sp.a.get(), std::string(100000, 'a') + "\r\nok\r\n"));
  LineReader r(sp.b.get(), 1000, 1000ms);
  EXPECT_EQ(r.read_line().status, Line::Status::kTooLong);
  auto l = r.read_line();
  EXPECT_EQ(l.status, Line::Status::kOk);
  EXPECT_EQ(l.text, "ok");
}

// The start of an overlong line is kept (an IMAP server answers its tag); the limit counts
// the line end as sent, so a bare-LF line may be one byte longer than a CRLF line.
TEST(LineReader, TooLongKeepsStartAndCountsLineEnd) {
  SocketPair sp;
  ASSERT_TRUE(write_all(sp.a.get(), "A1 " + std::string(300, 'x') + "\r\n" + std::string(8, 'b') + "\r\n" +
                                       std::string(9, 'c') + "\n" + std::string(9, 'd') + "\r\n"));
  LineReader r(sp.b.get(), 10, 1000ms);
  auto l = r.read_line();
  EXPECT_EQ(l.status, Line::Status::kTooLong);
  EXPECT_EQ(l.text, "A1 " + std::string(125, 'x'));
  EXPECT_EQ(r.read_line().text, std::string(8, 'b'));  // 8 + CRLF = 10
  l = r.read_line();
  EXPECT_EQ(l.status, Line::Status::kOk);                // 9 + LF = 10
  EXPECT_TRUE(l.bare_lf);
  EXPECT_EQ(r.read_line().status, Line::Status::kTooLong);  // 9 + CRLF = 11
}

TEST(LineReader, TakeBufferedAndPrepend) {
  SocketPair sp;
  ASSERT_TRUE(write_all(sp.a.get(), "one\r\ntwo\r\nthree\r\n"));
  LineReader r(sp.b.get(), 100, 1000ms);
  EXPECT_EQ(r.read_line().text, "one");
  std::string rest = r.take_buffered();
  EXPECT_EQ(rest, "two\r\nthree\r\n");
  EXPECT_EQ(r.buffered(), 0u);
  r.prepend(rest);
  EXPECT_EQ(r.read_line().text, "two");
  EXPECT_EQ(r.read_line().text, "three");
}

TEST(LineReader, TimeoutAndEof) {
  SocketPair sp;
  LineReader r(sp.b.get(), 100, 50ms);
  EXPECT_EQ(r.read_line().status, Line::Status::kTimeout);
  ASSERT_TRUE(write_all(sp.a.get(), "partial"));
  sp.a.reset();
  EXPECT_EQ(r.read_line().status, Line::Status::kEof);
}

// A client that never reads: the write gives up after the stall time instead of blocking.
TEST(WriteTimed, SocketPeerThatNeverReadsTimesOut) {
  SocketPair sp;
  std::string big(8 << 20, 'x');
  auto t0 = std::chrono::steady_clock::now();
  auto st = write_all_timed(sp.a.get(), big, 200ms);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kWriteStalled);
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  // the descriptor is left as it was: blocking
  EXPECT_EQ(::fcntl(sp.a.get(), F_GETFL) & O_NONBLOCK, 0);
}

TEST(WriteTimed, PipeThatIsNeverReadTimesOutAndStaysBlocking) {
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  std::string big(1 << 20, 'x');
  auto st = write_all_timed(p->write.get(), big, 100ms);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kWriteStalled);
  EXPECT_EQ(::fcntl(p->write.get(), F_GETFL) & O_NONBLOCK, 0);
}

// A reader that keeps taking bytes, however slowly, is not cut off by the stall time.
TEST(WriteTimed, ProgressKeepsTheWriteGoing) {
  SocketPair sp;
  std::string big(4 << 20, 'y');
  std::thread reader([&] {
    char buf[65536];
    size_t got = 0;
    while (got < big.size()) {
      std::this_thread::sleep_for(1ms);
      ssize_t n = ::read(sp.b.get(), buf, sizeof buf);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    EXPECT_EQ(got, big.size());
  });
  EXPECT_TRUE(write_all_timed(sp.a.get(), big, 500ms));
  reader.join();
}

TEST(WriteTimed, DeadlineEndsAWriteThatStillProgresses) {
  SocketPair sp;
  std::string big(64 << 20, 'z');
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    char buf[4096];
    while (!stop) {
      std::this_thread::sleep_for(5ms);
      if (::recv(sp.b.get(), buf, sizeof buf, MSG_DONTWAIT) == 0) break;
    }
  });
  auto st = write_all_timed(sp.a.get(), big, 10s, Deadline::after(1s));
  stop = true;
  reader.join();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kWriteDeadline);
}

TEST(WriteTimed, ClosedPeerIsAnErrorNotASignal) {
  SocketPair sp;
  sp.b.reset();
  auto st = write_all_timed(sp.a.get(), "hello", 100ms);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EPIPE);
}

TEST(Deadline, NeverCapAndExtend) {
  Deadline never;
  EXPECT_TRUE(never.never());
  EXPECT_FALSE(never.passed());
  EXPECT_EQ(never.cap(5000ms), 5000ms);
  EXPECT_TRUE(Deadline::after(0s).never());
  Deadline d = Deadline::after(2s);
  EXPECT_LE(d.cap(60000ms), 2000ms);
  EXPECT_GT(d.cap(60000ms), 1000ms);
  EXPECT_EQ(d.cap(10ms), 10ms);
  d.extend(std::chrono::seconds(10));
  EXPECT_GT(d.cap(60000ms), 10000ms);
}

// The post-auth process keeps the pre-auth one's deadline, never a later one from the
// environment, and a malformed value is ignored.
TEST(Deadline, InheritedThroughTheEnvironment) {
  ::unsetenv("POSTA_SESSION_DEADLINE");
  Deadline first = Deadline::after(1s);
  first.export_env();
  Deadline later = Deadline::inherited(3600s);
  EXPECT_LE(later.cap(3600000ms), 1000ms);
  ::setenv("POSTA_SESSION_DEADLINE", "12x", 1);
  EXPECT_GT(Deadline::inherited(3600s).cap(3600000ms), 3000000ms);
  Deadline::after(7200s).export_env();
  EXPECT_LE(Deadline::inherited(60s).cap(3600000ms), 60000ms);
  Deadline{}.export_env();
  EXPECT_EQ(std::getenv("POSTA_SESSION_DEADLINE"), nullptr);
}

TEST(LineReader, DeadlineEndsTheWaitBeforeTheTimeout) {
  SocketPair sp;
  LineReader r(sp.b.get(), 100, 60000ms);
  r.set_deadline(Deadline::after(1s));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(r.read_line().status, Line::Status::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(r.deadline().passed());
}

TEST(LineReader, ReadExactAcrossBuffer) {
  SocketPair sp;
  ASSERT_TRUE(write_all(sp.a.get(), "hdr\r\n0123456789rest\r\n"));
  LineReader r(sp.b.get(), 100, 1000ms);
  EXPECT_EQ(r.read_line().text, "hdr");
  std::string out;
  ASSERT_TRUE(r.read_exact(10, out));
  EXPECT_EQ(out, "0123456789");
  EXPECT_EQ(r.read_line().text, "rest");
}

TEST(Control, LinesNumbersFlags) {
  posta::test::TempDir tmp;
  const std::string& d = tmp.path;
  ::mkdir((d + "/control").c_str(), 0755);
  ASSERT_TRUE(write_file_atomic(d + "/control/locals", "# comment\n a.example \n\nb.example\n"));
  ASSERT_TRUE(write_file_atomic(d + "/control/databytes", "1000\n"));
  ASSERT_TRUE(write_file_atomic(d + "/control/bad", "12x\n"));
  ASSERT_TRUE(write_file_atomic(d + "/control/junkfolder", "yes\n"));
  Control c(d);
  EXPECT_EQ(c.lines("locals"), (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(c.number("databytes", 5), 1000);
  EXPECT_EQ(c.number("bad", 5), 5);
  EXPECT_EQ(c.number("missing", 7), 7);
  EXPECT_TRUE(c.flag("junkfolder", false));
  EXPECT_EQ(c.string("missing", "def"), "def");
}

TEST(Log, Printable) {
  EXPECT_EQ(log::printable("a\r\nb"), "a\\x0d\\x0ab");
}

TEST(Child, SpawnWithFdMapAndExitCode) {
  auto p = Pipe::make();
  SpawnOptions o;
  o.fds = {{p->write.get(), 1}};
  o.env = {"POSTA_UNIT=42"};
  auto c = spawn({"/bin/sh", "-c", "echo $POSTA_UNIT; exit 3"}, o);
  ASSERT_TRUE(c);
  p->write.reset();
  auto out = read_all(p->read.get(), 100);
  auto st = c->wait();
  ASSERT_TRUE(st);
  EXPECT_EQ(*out, "42\n");
  EXPECT_TRUE(st->exited);
  EXPECT_EQ(st->code, 3);
}

TEST(LineReader, LinesInSeparateReads) {
  SocketPair sp;
  LineReader r(sp.b.get(), 100, 1000ms);
  ASSERT_TRUE(write_all(sp.a.get(), "EHLO a-rather-long-client-name.example\r\n"));
  EXPECT_EQ(r.read_line().text, "EHLO a-rather-long-client-name.example");
  ASSERT_TRUE(write_all(sp.a.get(), "STARTTLS\r\n"));
  EXPECT_EQ(r.read_line().text, "STARTTLS");
  ASSERT_TRUE(write_all(sp.a.get(), "par"));
  ASSERT_TRUE(write_all(sp.a.get(), "tial\r\n"));
  EXPECT_EQ(r.read_line().text, "partial");
}
