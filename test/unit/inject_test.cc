// The injection client (lib/queue/inject): the one mapping of queue exit codes, and an
// injection through a stand-in queue program that records what it got on fds 0 and 1.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/exitcode.h"
#include "queue/inject.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::queue;
using namespace std::string_literals;

namespace {

Refusal exit_with(int code, std::string_view fd6 = "") { return classify_exit(ExitStatus{true, code}, fd6); }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// $POSTA_QUEUE for the length of a test.
class QueueEnv {
 public:
  explicit QueueEnv(const std::string& program) { ::setenv("POSTA_QUEUE", program.c_str(), 1); }
  ~QueueEnv() { ::unsetenv("POSTA_QUEUE"); }
};

// A queue program that keeps fd 0, fd 1 and its environment in dir, and then does what
// dir/mode says: "ok" writes an id on fd 7 (POSTA_QUEUE_IDFD) and exits 0; "N" exits N
// after writing dir/fd6, when present, on fd 6.
std::string stand_in(const std::string& dir) {
  std::string path = dir + "/queue";
  std::ofstream(path) << "#!/bin/sh\n"
                         "d=$(dirname \"$0\")\n"
                         "cat >\"$d/msg\"\n"
                         "cat <&1 >\"$d/env\"\n"
                         "echo \"$POSTA_ORIGIN $POSTA_QUEUE_IDFD\" >\"$d/vars\"\n"
                         "mode=$(cat \"$d/mode\")\n"
                         "if [ \"$mode\" = ok ]; then echo 6956A1800A2F3.4242 >&7; exit 0; fi\n"
                         "[ -f \"$d/fd6\" ] && cat \"$d/fd6\" >&6\n"
                         "exit \"$mode\"\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

Envelope two_recipients() {
  Envelope e;
  e.sender = "ana@a.test";
  e.recipients = {{"bo@b.test", "SUCCESS,FAILURE", "rfc822;bo@b.test"}, {"cy@c.test", "", ""}};
  return e;
}

}  // namespace

// posta-queue(8) EXIT STATUS: 11-40 permanent, everything else temporary, 82 by its text.
TEST(InjectExit, ElevenToFortyPermanentEverythingElseTemporary) {
  for (int code = 1; code < 256; ++code) {
    if (code == kQueueCustomMessage) continue;
    Refusal r = exit_with(code);
    EXPECT_EQ(r.permanent, code >= 11 && code <= 40) << "exit " << code;
    EXPECT_EQ(r.status[0], r.permanent ? '5' : '4') << "exit " << code;
    EXPECT_FALSE(r.text.empty()) << "exit " << code;
  }
}

TEST(InjectExit, EveryCodePostaQueueReturnsHasItsText) {
  EXPECT_EQ(exit_with(kQueueAddressTooLong).line(), "5.1.3 Address too long");
  EXPECT_EQ(exit_with(kQueueRefusedPermanently).line(), "5.3.0 Message refused");
  EXPECT_EQ(exit_with(12).line(), "5.3.0 Message refused (queue exit 12)");
  EXPECT_EQ(exit_with(kQueueWriteError).line(), "4.3.1 Queue write error or disk full, please try again later");
  EXPECT_EQ(exit_with(kQueueCannotReadInput).line(), "4.3.0 Queue trouble (exit 54), please try again later");
  EXPECT_EQ(exit_with(kQueueSpoolTrouble).line(), "4.3.0 Queue trouble (exit 61), please try again later");
  EXPECT_EQ(exit_with(kQueueRefusedTemporarily).line(), "4.3.0 Message temporarily refused, please try again later");
  EXPECT_EQ(exit_with(kQueueInternalBug).line(), "4.3.0 Queue trouble (exit 81), please try again later");
  // an injector's fault (no envelope, a bad byte in it): qmail-queue's "temporary" 91
  EXPECT_EQ(exit_with(kQueueEnvelopeFormat).line(), "4.3.0 Queue trouble (exit 91), please try again later");
  EXPECT_FALSE(exit_with(kQueueEnvelopeFormat).permanent);
  Refusal sig = classify_exit(ExitStatus{false, 9}, "");
  EXPECT_FALSE(sig.permanent);
  EXPECT_EQ(sig.line(), "4.3.0 Queue program crashed (signal 9), please try again later");
}

TEST(InjectExit, CustomTextOfExit82DecidesAndIsTheReply) {
  Refusal big = exit_with(82, "D5.3.4 Message too big (limit 10 bytes)");
  EXPECT_TRUE(big.permanent);
  EXPECT_EQ(big.line(), "5.3.4 Message too big (limit 10 bytes)");
  Refusal grey = exit_with(82, "Zgreylisted, come back later\nsecond line");
  EXPECT_FALSE(grey.permanent);
  EXPECT_EQ(grey.line(), "4.3.0 greylisted, come back later");
  EXPECT_EQ(exit_with(82, "Z4.7.1 slow down").line(), "4.7.1 slow down");
  // a code of the other class is text, not the status
  EXPECT_EQ(exit_with(82, "Z5.7.1 spam").line(), "4.3.0 5.7.1 spam");
  EXPECT_EQ(exit_with(82, "D").line(), "5.3.0 Message refused");
  EXPECT_EQ(exit_with(82, "Dbad\x01" "byte").text.find('\x01'), std::string::npos);
  // without a D or Z text, 82 is what the rule says of it: temporary
  EXPECT_FALSE(exit_with(82).permanent);
  EXPECT_FALSE(exit_with(82, "Xwhat").permanent);
  // the text counts only with exit 82
  EXPECT_EQ(exit_with(31, "Zlater").line(), "5.3.0 Message refused");
}

TEST(InjectExit, ReplyCodeIs550ForPolicy554ForOtherPermanent451ForTemporary) {
  EXPECT_EQ(exit_with(82, "D5.7.1 Message refused as spam (score 20.0)").reply_code(), 550);
  EXPECT_EQ(exit_with(82, "D5.3.4 Message too big").reply_code(), 554);
  EXPECT_EQ(exit_with(31).reply_code(), 554);
  EXPECT_EQ(exit_with(82, "Z4.7.1 Message not scanned, please try again later").reply_code(), 451);
  EXPECT_EQ(exit_with(82, "Z5.7.1 a permanent code in a temporary refusal").reply_code(), 451);
  EXPECT_EQ(exit_with(71).reply_code(), 451);
}

TEST(InjectProgram, QueueEnvironmentThenConfiguredThenSibling) {
  ::unsetenv("POSTA_QUEUE");
  EXPECT_EQ(queue_program(), sibling("posta-queue"));
  EXPECT_EQ(queue_program("/filter"), "/filter");
  QueueEnv q("/env-queue");
  EXPECT_EQ(queue_program("/filter"), "/env-queue");
}

TEST(Inject, WritesMessageOnFd0EnvelopeOnFd1AndReadsTheId) {
  test::TempDir d;
  QueueEnv q(stand_in(d.path));
  std::ofstream(d.path + "/mode") << "ok";
  auto in = Injector::open({"", {"POSTA_ORIGIN=forward"}, false});
  ASSERT_TRUE(in) << in.error().what;
  (*in)->write("Subject: hi\n\n");
  (*in)->write("body\n");
  auto id = (*in)->close(two_recipients());
  ASSERT_TRUE(id) << id.error().line();
  EXPECT_EQ(*id, "6956A1800A2F3.4242");
  EXPECT_EQ(slurp(d.path + "/msg"), "Subject: hi\n\nbody\n");
  EXPECT_EQ(slurp(d.path + "/env"), "Fana@a.test\0Tbo@b.test\0NSUCCESS,FAILURE\0Orfc822;bo@b.test\0Tcy@c.test\0\0"s);
  EXPECT_EQ(slurp(d.path + "/vars"), "forward 7\n");
}

TEST(Inject, RefusalComesBackClassified) {
  test::TempDir d;
  QueueEnv q(stand_in(d.path));
  std::ofstream(d.path + "/mode") << "82";
  std::ofstream(d.path + "/fd6") << "D5.6.0 Message contains a bare CR";
  auto r = inject("x\n", two_recipients(), {});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().permanent);
  EXPECT_EQ(r.error().line(), "5.6.0 Message contains a bare CR");
  std::ofstream(d.path + "/mode") << "53";
  r = inject("x\n", two_recipients(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, "4.3.1");
}

TEST(Inject, AbortWritesNoEnvelope) {
  test::TempDir d;
  QueueEnv q(stand_in(d.path));
  std::ofstream(d.path + "/mode") << "91";
  auto in = Injector::open({});
  ASSERT_TRUE(in) << in.error().what;
  (*in)->write("given up\n");
  (*in)->abort();
  EXPECT_EQ(slurp(d.path + "/msg"), "given up\n");
  EXPECT_EQ(slurp(d.path + "/env"), "");
}

TEST(Inject, AQueueThatCannotRunIsTemporary) {
  QueueEnv q("/nonexistent/queue");
  auto r = inject("x\n", two_recipients(), {});
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().permanent);
  EXPECT_EQ(r.error().status, "4.3.0");
}
