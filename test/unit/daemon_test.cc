// The daemon skeleton (lib/daemon) and the one privilege API (lib/proc/privilege).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "daemon/daemon.h"
#include "daemon/options.h"
#include "io/fd.h"
#include "proc/privilege.h"
#include "tmpdir.h"

namespace posta {
namespace {

std::string read_some(int fd) {
  char buf[16];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

TEST(DaemonReadiness, AbsentWhenNoneGivenAndNoFile) {
  auto d = Daemon::start({std::nullopt, false}, {});
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->has_readiness());
  d->ready();  // nothing to write to: a no-op
}

TEST(DaemonReadiness, PresentFdGetsOneNewlineAndIsClosed) {
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  int w = ::dup(p->write.get());
  p->write.reset();
  auto d = Daemon::start({w}, {});
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->has_readiness());
  EXPECT_TRUE(::fcntl(w, F_GETFD) & FD_CLOEXEC);
  d->ready();
  EXPECT_FALSE(d->has_readiness());
  EXPECT_EQ(read_some(p->read.get()), "\n");
  EXPECT_EQ(read_some(p->read.get()), "");  // closed: end of file
  EXPECT_FALSE(is_open(w));
}

TEST(DaemonReadiness, ClosedFdIsIgnoredAndNeverWritten) {
  int fd = ::dup(0);
  ASSERT_GE(fd, 3);
  ::close(fd);  // daemontools: the number the run script names is not open
  auto d = Daemon::start({fd}, {});
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->has_readiness());
  int reused = ::open("/dev/null", O_RDONLY);  // the number is free for our own use
  EXPECT_EQ(reused, fd);
  d->ready();
  EXPECT_TRUE(is_open(reused));
  ::close(reused);
}

TEST(DaemonReadiness, NotificationFdFileWhenNoFdGiven) {
  test::TempDir tmp("posta-daemon-test");
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  ASSERT_TRUE(write_all(Fd(::open((tmp.path + "/notification-fd").c_str(), O_WRONLY | O_CREAT, 0644)).get(),
                        std::to_string(p->write.get()) + "\n"));
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp.path);
  int w = p->write.release();
  {
    auto without = Daemon::start({std::nullopt, false}, {});  // posta-send: -d only
    ASSERT_TRUE(without);
    EXPECT_FALSE(without->has_readiness());
  }
  auto d = Daemon::start({}, {});
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->has_readiness());
  d->ready();
  EXPECT_EQ(read_some(p->read.get()), "\n");
  EXPECT_FALSE(is_open(w));
}

TEST(DaemonSignals, DeliveredToTheLoopInOrder) {
  auto d = Daemon::start({std::nullopt, false}, {SIGUSR1, SIGHUP});
  ASSERT_TRUE(d);
  ASSERT_GE(d->signal_fd(), 3);
  EXPECT_EQ(d->next_signal(), std::nullopt);
  ::raise(SIGUSR1);
  ::raise(SIGHUP);
  EXPECT_EQ(d->next_signal(), SIGUSR1);
  EXPECT_EQ(d->next_signal(), SIGHUP);
  EXPECT_EQ(d->next_signal(), std::nullopt);
  EXPECT_EQ(d->wait_signal(0), std::nullopt);
  std::thread t([] { ::kill(::getpid(), SIGHUP); });
  EXPECT_EQ(d->wait_signal(5000), SIGHUP);
  t.join();
}

TEST(DaemonSignals, OneDaemonPerProcessAndDefaultsRestored) {
  {
    auto d = Daemon::start({std::nullopt, false}, {SIGUSR1});
    ASSERT_TRUE(d);
    EXPECT_FALSE(Daemon::start({std::nullopt, false}, {SIGUSR2}));
    struct sigaction sa {};
    ::sigaction(SIGUSR1, nullptr, &sa);
    EXPECT_NE(sa.sa_handler, SIG_DFL);
  }
  struct sigaction sa {};
  ::sigaction(SIGUSR1, nullptr, &sa);
  EXPECT_EQ(sa.sa_handler, SIG_DFL);
  auto again = Daemon::start({std::nullopt, false}, {SIGUSR1});
  EXPECT_TRUE(again);
}

TEST(DaemonSignals, ForkedChildGetsTheDefaultActionNotTheParentsPipe) {
  auto d = Daemon::start({std::nullopt, false}, {SIGUSR1});
  ASSERT_TRUE(d);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::raise(SIGUSR1);  // between fork and exec: must not reach the parent's loop
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
  EXPECT_EQ(d->next_signal(), std::nullopt);
}

TEST(DaemonSignals, LibeventLoopSeesEachSignal) {
  auto d = Daemon::start({std::nullopt, false}, {SIGUSR1, SIGUSR2});
  ASSERT_TRUE(d);
  EventBasePtr base(event_base_new());
  std::vector<int> seen;
  auto ev = watch_signals(base.get(), *d, [&](int sig) { seen.push_back(sig); });
  ASSERT_TRUE(ev);
  ::raise(SIGUSR2);
  ::raise(SIGUSR1);
  event_base_loop(base.get(), EVLOOP_ONCE);
  EXPECT_EQ(seen, (std::vector<int>{SIGUSR2, SIGUSR1}));
}

TEST(DaemonSignals, WorkerThreadsStartWithTheSignalsBlocked) {
  auto d = Daemon::start({std::nullopt, false}, {SIGUSR1});
  ASSERT_TRUE(d);
  bool blocked = false;
  {
    SignalsBlocked in_workers;
    std::thread([&] {
      sigset_t now;
      ::pthread_sigmask(SIG_BLOCK, nullptr, &now);
      blocked = sigismember(&now, SIGUSR1) == 1;
    }).join();
  }
  EXPECT_TRUE(blocked);
  sigset_t mine;
  ::pthread_sigmask(SIG_BLOCK, nullptr, &mine);
  EXPECT_EQ(sigismember(&mine, SIGUSR1), 0);  // the loop's thread still takes them
}

// The stop sequence as a daemon runs it: readiness, then SIGHUP handled in the loop, then
// SIGTERM: stop and exit 0.
TEST(DaemonStop, TermAfterReadinessExitsZero) {
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    p->read.reset();
    auto d = Daemon::start({p->write.release()}, {SIGTERM, SIGHUP});
    if (!d) ::_exit(111);
    d->ready();
    int hups = 0;
    for (;;) {
      auto sig = d->wait_signal(-1);
      if (sig == SIGHUP) ++hups;
      if (sig == SIGTERM) ::_exit(hups == 1 ? 0 : 1);
    }
  }
  p->write.reset();
  EXPECT_EQ(read_some(p->read.get()), "\n");
  ::kill(pid, SIGHUP);  // two different signals in a row: both reach the loop, HUP first
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DaemonStart, StdFdsAreOpenedOnDevNull) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(1);
    ::close(2);
    auto d = Daemon::start({std::nullopt, false}, {SIGTERM});
    struct stat st;
    bool ok = d && ::fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && ::fstat(2, &st) == 0 && d->signal_fd() > 2;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Privilege, LookupCredentials) {
  auto root = lookup_credentials("root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->groups, std::vector<gid_t>{root->gid});
  EXPECT_FALSE(lookup_credentials("no-such-user-posta-test"));
  EXPECT_FALSE(lookup_credentials("root", "no-such-group-posta-test"));
  auto with = lookup_credentials("root", "root", {"root"});
  ASSERT_TRUE(with);
  EXPECT_EQ(with->groups.size(), 2u);
}

TEST(Privilege, UserIdAndTheNetworkCaller) {
  EXPECT_EQ(user_id("root"), std::optional<uid_t>(0));
  EXPECT_EQ(user_id("no-such-user-posta-test"), std::nullopt);
  EXPECT_TRUE(caller_speaks_for_network());  // not set-id: the caller is the instance's user
}

TEST(Privilege, InstanceOwnerAndSystemMode) {
  test::TempDir tmp("posta-daemon-test");
  auto owner = instance_owner(tmp.path);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->uid, ::geteuid());
  EXPECT_FALSE(instance_owner(tmp.path + "/missing"));
  EXPECT_EQ(system_mode(tmp.path), ::geteuid() == 0);  // root's own directory when root
  EXPECT_EQ(system_mode("/"), ::geteuid() == 0);
  EXPECT_FALSE(system_mode(tmp.path + "/missing"));
  EXPECT_TRUE(drop_to(""));  // no user: nothing to do
}

TEST(Privilege, AssumeDropsForGoodInAChild) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto nobody = lookup_credentials("nobody");
  ASSERT_TRUE(nobody);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    bool ok = assume(*nobody) && ::getuid() == nobody->uid && ::geteuid() == nobody->uid && ::setuid(0) != 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(DaemonOptions, NumberInRangeOrUsageExit) {
  EXPECT_EQ(option_number("3", 3, 10, 'd', "usage"), 3);
  EXPECT_EXIT(option_number("2", 3, 10, 'd', "usage: x"), ::testing::ExitedWithCode(100), "-d needs a number from 3 to 10");
  EXPECT_EXIT(option_number("3x", 3, 10, 'd', "usage: x"), ::testing::ExitedWithCode(100), "usage: x");
}

SocketDaemonOptions parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  optind = 0;  // glibc: a full reset of getopt's state
  return parse_socket_daemon(static_cast<int>(args.size()), argv.data(), {"/default.sock", "", std::nullopt, 4, 5}, 64,
                             "usage: x");
}

TEST(DaemonOptions, SocketDaemonLetters) {
  auto d = parse({"prog"});
  EXPECT_EQ(d.socket, "/default.sock");
  EXPECT_EQ(d.notify_fd, std::nullopt);
  EXPECT_EQ(d.at_once, 4);
  EXPECT_EQ(d.timeout, 5);
  auto o = parse({"prog", "-D", "/s", "-G", "posta", "-d", "3", "-c", "64", "-t", "1"});
  EXPECT_EQ(o.socket, "/s");
  EXPECT_EQ(o.group, "posta");
  EXPECT_EQ(o.notify_fd, 3);
  EXPECT_EQ(o.at_once, 64);
  EXPECT_EQ(o.timeout, 1);
  EXPECT_EXIT(parse({"prog", "-c", "65"}), ::testing::ExitedWithCode(100), "-c needs a number from 1 to 64");
  EXPECT_EXIT(parse({"prog", "-N", "3"}), ::testing::ExitedWithCode(100), "usage: x");
  EXPECT_EXIT(parse({"prog", "extra"}), ::testing::ExitedWithCode(100), "unexpected argument extra");
}

}  // namespace
}  // namespace posta
