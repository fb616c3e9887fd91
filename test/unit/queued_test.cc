// posta-queued's frame and answers (lib/queue/queued_proto), and the writer run on threads.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "base/exitcode.h"
#include "io/fd.h"
#include "log/log.h"
#include "queue/queued_proto.h"
#include "queue/writer.h"
#include "queue_inject.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::queue;
using namespace std::string_literals;

TEST(QueuedFrame, RoundTripKeepsEveryExtra) {
  auto f = encode_queued_frame({"POSTA_DSN_RET=HDRS", "POSTA_DSN_ENVID=abc+2B", "POSTA_AUTH_USER=ana@x.test",
                                "POSTA_SMTPUTF8=1", "POSTA_BODY=8BITMIME", "TCPREMOTEIP=127.0.0.1"});
  ASSERT_TRUE(f) << f.error().what;
  EXPECT_EQ(*f, "posta-queued 1\nPOSTA_DSN_RET=HDRS\nPOSTA_DSN_ENVID=abc+2B\nPOSTA_AUTH_USER=ana@x.test\n"
                "POSTA_SMTPUTF8=1\nPOSTA_BODY=8BITMIME\nTCPREMOTEIP=127.0.0.1\n\n");
  auto r = parse_queued_frame(*f);
  ASSERT_TRUE(r) << r.error().what;
  Injection in;
  in.caller_is_daemon = true;
  r->apply(in);
  EXPECT_EQ(in.dsn_ret, "HDRS");
  EXPECT_EQ(in.dsn_envid, "abc+2B");
  EXPECT_EQ(in.auth_user, "ana@x.test");
  EXPECT_TRUE(in.smtputf8);
  EXPECT_EQ(in.body, "8BITMIME");
  EXPECT_TRUE(in.from_network);
}

// The login and the network address are audit data that only the daemon
// user may state; anyone else's count as not given. The origin claim passes as it is (the
// writer decides what it may mean for this caller).
TEST(QueuedFrame, OnlyTheDaemonMayStateLoginAndNetwork) {
  auto r = parse_queued_frame("posta-queued 1\nPOSTA_AUTH_USER=ceo@x.test\nTCPREMOTEIP=192.0.2.1\n"
                              "POSTA_DSN_RET=HDRS\nPOSTA_ORIGIN=bounce\n\n");
  ASSERT_TRUE(r) << r.error().what;
  Injection other;
  r->apply(other);
  EXPECT_EQ(other.auth_user, "");
  EXPECT_FALSE(other.from_network);
  EXPECT_EQ(other.dsn_ret, "HDRS");
  EXPECT_EQ(other.origin_claim, "bounce");
  Injection daemon;
  daemon.caller_is_daemon = true;
  r->apply(daemon);
  EXPECT_EQ(daemon.auth_user, "ceo@x.test");
  EXPECT_TRUE(daemon.from_network);
}

TEST(QueuedFrame, SetCallerRootlessTrustsOnlyOurOwnUid) {
  Injection me, other;
  set_caller(me, ::geteuid(), false);
  EXPECT_TRUE(me.caller_is_daemon);
  EXPECT_TRUE(me.caller_is_queue_manager);
  EXPECT_EQ(me.caller_uid, ::geteuid());
  set_caller(other, ::geteuid() + 4242, false);
  EXPECT_FALSE(other.caller_is_daemon);
  EXPECT_FALSE(other.caller_is_queue_manager);
  EXPECT_EQ(other.caller_name, "");  // no such user
}

TEST(QueuedWriter, OriginOfAnInjection) {
  using K = Origin::Kind;
  Injection in;
  in.caller_uid = 1234;
  EXPECT_EQ(*injection_origin(in), (Origin{K::kLocal, "#1234"}));
  in.caller_name = "ana";
  EXPECT_EQ(*injection_origin(in), (Origin{K::kLocal, "ana"}));
  in.from_network = true;
  EXPECT_EQ(*injection_origin(in), (Origin{K::kNetwork, ""}));
  in.auth_user = "ana@x.test";
  EXPECT_EQ(*injection_origin(in), (Origin{K::kAuthenticated, "ana@x.test"}));
  // forward only ever lowers trust: anyone may claim it, it wins over a login
  in.origin_claim = "forward";
  EXPECT_EQ(*injection_origin(in), (Origin{K::kForwarded, ""}));
  // bounce only from the queue manager; from anyone else it means nothing
  in.origin_claim = "bounce";
  EXPECT_EQ(*injection_origin(in), (Origin{K::kAuthenticated, "ana@x.test"}));
  in.caller_is_queue_manager = true;
  EXPECT_EQ(*injection_origin(in), (Origin{K::kBounce, ""}));
  for (auto bad : {"auth:ceo@x.test", "net", "local:root", "FORWARD", " forward", "x"}) {
    in.origin_claim = bad;
    EXPECT_FALSE(injection_origin(in)) << bad;
  }
}

TEST(QueuedFrame, EmptyFrameMeansNoExtras) {
  auto r = parse_queued_frame("posta-queued 1\n\n");
  ASSERT_TRUE(r);
  Injection in;
  r->apply(in);
  EXPECT_FALSE(in.from_network);
  EXPECT_FALSE(in.smtputf8);
  EXPECT_EQ(in.auth_user, "");
}

TEST(QueuedFrame, EncodeRefusesWhatTheParserWould) {
  EXPECT_FALSE(encode_queued_frame({"POSTA_HOME=/tmp"}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_BODY"}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_BODY=a", "POSTA_BODY=b"}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_AUTH_USER=a\nTCPREMOTEIP=x"}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_AUTH_USER=a\rb"}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_AUTH_USER=a\0b"s}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_AUTH_USER=" + std::string(1100, 'a')}));
}

TEST(QueuedFrame, ParserRefusesBadFrames) {
  for (std::string bad : {""s, "posta-queued 2\n\n"s, "posta-queued 1\n"s, "posta-queued 1\nPOSTA_BODY=x\n"s,
                          "posta-queued 1\n\nx"s, "posta-queued 1\n\n\n"s, "posta-queued 1\nPOSTA_HOME=/\n\n"s,
                          "posta-queued 1\nPOSTA_BODY\n\n"s, "posta-queued 1\nPOSTA_BODY=a\nPOSTA_BODY=b\n\n"s,
                          "posta-queued 1\nPOSTA_BODY=a\rb\n\n"s, "posta-queued 1\nPOSTA_BODY=a\0b\n\n"s,
                          "posta-queued 1\nposta_body=x\n\n"s, "posta-queued 1\r\n\r\n"s,
                          "posta-queued 1\nPOSTA_AUTH_USER=" + std::string(1024, 'a') + "\n\n"})
    EXPECT_FALSE(parse_queued_frame(bad)) << log::printable(bad);
}

// posta-spamcheck serve's frames: their own first line, the filter's names too, a larger size.
TEST(QueuedFrame, FilterFramesAreTheirOwnKind) {
  std::vector<std::string> env{"POSTA_AUTH_USER=ana@x.test", "POSTA_SPF=pass",
                               "POSTA_SPF_RECEIVED=Received-SPF: pass (x.test: " + std::string(1500, 'a') + ")",
                               "POSTA_REPUTATION=bl.test=2", "POSTA_REPUTATION_SCORE=2.0", "TCPREMOTEIP=192.0.2.1"};
  auto f = encode_queued_frame(env, kFilterFrame);
  ASSERT_TRUE(f) << f.error().what;
  EXPECT_TRUE(f->starts_with("posta-spamcheck 1\n"));
  auto r = parse_queued_frame(*f, kFilterFrame);
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(r->env.size(), env.size());
  EXPECT_EQ(r->env[1], (std::pair<std::string, std::string>{"POSTA_SPF", "pass"}));
  // neither daemon takes the other's frames; posta-queue's names stay its own
  EXPECT_FALSE(parse_queued_frame(*f));
  EXPECT_FALSE(parse_queued_frame("posta-queued 1\n\n", kFilterFrame));
  EXPECT_FALSE(encode_queued_frame({"POSTA_SPF=pass"}));
  EXPECT_FALSE(encode_queued_frame({"POSTA_HOME=/tmp"}, kFilterFrame));
  EXPECT_FALSE(encode_queued_frame({"POSTA_SPF=" + std::string(kFilterMaxFrame, 'a')}, kFilterFrame));
}

TEST(QueuedFrame, ExitLines) {
  EXPECT_EQ(encode_queued_exit(0), "exit 0\n");
  for (int c : {0, 31, 82, 255}) EXPECT_EQ(parse_queued_exit(encode_queued_exit(c)).value_or(-1), c);
  for (std::string bad : {""s, "exit\n"s, "exit 0"s, "exit 256\n"s, "exit -1\n"s, "exit 07\n"s, "exit 1 \n"s,
                          "exit 1\nexit 2\n"s, "ok\nexit 0\n"s, "EXIT 0\n"s})
    EXPECT_FALSE(parse_queued_exit(bad)) << bad;
}

namespace {

int inject(const Spool& spool, const std::string& body, std::string& id) {
  return posta::test::write_through_pipes(spool, body, "Fa@x.test\0Tb@x.test\0\0"s, id);
}

}  // namespace

TEST(QueuedWriter, ThreadsOfOneProcessGetDistinctIds) {
  posta::test::TempDir tmp("posta-queued-test");
  const std::string& dir = tmp.path;
  Spool spool(dir + "/queue");
  ASSERT_TRUE(spool.ensure());
  constexpr int kThreads = 8;
  std::string ids[kThreads];
  int codes[kThreads];
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { codes[i] = inject(spool, "Subject: t\n\nbody\n", ids[i]); });
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(codes[i], kQueueOk);
    EXPECT_TRUE(valid_id(ids[i])) << ids[i];
    distinct.insert(ids[i]);
  }
  EXPECT_EQ(distinct.size(), size_t(kThreads));
  size_t todo = 0;
  for (auto& e : std::filesystem::directory_iterator(spool.dir("todo"))) todo += e.is_regular_file();
  EXPECT_EQ(todo, size_t(kThreads));
}

TEST(QueuedWriter, MissingEnvelopeLeavesNothing) {
  posta::test::TempDir tmp("posta-queued-test");
  const std::string& dir = tmp.path;
  Spool spool(dir + "/queue");
  ASSERT_TRUE(spool.ensure());
  auto msg = Pipe::make(), env = Pipe::make();
  ASSERT_TRUE(msg && env);
  (void)write_all(msg->write.get(), "Subject: half\n");
  msg->write.reset();
  env->write.reset();  // the client died before its envelope
  Injection in;
  in.message_fd = msg->read.get();
  in.envelope_fd = env->read.get();
  EXPECT_EQ(write_message(spool, 0, in).code, kQueueEnvelopeFormat);
  for (const char* sub : {"mess", "intd", "todo"})
    EXPECT_TRUE(std::filesystem::is_empty(spool.dir(sub))) << sub;
}
