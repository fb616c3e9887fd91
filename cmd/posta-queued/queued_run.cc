// posta-queued's run(), in the daemon skeleton's order (lib/daemon/daemon.h): start, become
// the queue's owner, make the socket, then accept connections and serve each on a thread of
// its own, at most -c at once.
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "proc/socket_group.h"
#include "queued.h"

namespace posta::queued {
namespace {

constexpr int kDrainSeconds = 5;  // at SIGTERM: how long running jobs may take to finish

struct Settled {
  Fd listener;
  std::optional<gid_t> group;  // -G
  bool system = false;
};

// Becomes whoever posta-queue runs as: posta-q in system mode (as its setuid copy), the
// instance owner otherwise (also when root starts a rootless instance). The socket is made
// on the way, while we may still give it to the -G group.
Settled settle(const Options& o, const std::string& home) {
  bool system = system_mode(home);  // the spool belongs to posta-q
  if (!system)
    if (auto st = become_instance_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  auto gid = socket_group(o.group);
  if (!gid) log::fatal(kExitTemporary, gid.error().what);
  std::optional<gid_t> group = *gid;
  auto listener = net::listen_unix_for(o.socket, group);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  if (system) {
    auto creds = lookup_credentials("posta-q", kSpoolGroup);
    if (!creds) log::fatal(kExitTemporary, creds.error().what);
    if (auto st = assume(*creds); !st) log::fatal(kExitTemporary, st.error().what);
  }
  ::umask(007);
  return {std::move(*listener), group, system};
}

// Job threads are kept between messages (each new thread's stack and malloc arena cost
// mmap/munmap and TLB shootdowns): a job goes to an idle thread, or to a new one when none
// is idle; a thread idle for kIdleSeconds beyond kSpareThreads ends.
class JobThreads {
 public:
  using Job = std::function<void()>;
  // false when no thread could be started for it (the job was not run)
  bool submit(Job job) {
    std::unique_lock<std::mutex> l(mu_);
    jobs_.push_back(std::move(job));
    if (idle_ > static_cast<int>(jobs_.size()) - 1) {
      cv_.notify_one();
      return true;
    }
    try {
      SignalsBlocked in_jobs;  // signals are for the acceptor's thread
      std::thread([this] { work(); }).detach();
    } catch (const std::system_error&) {
      jobs_.pop_back();
      return false;
    }
    return true;
  }

 private:
  static constexpr int kSpareThreads = 16;
  static constexpr int kIdleSeconds = 10;
  void work() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      ++idle_;
      bool got = cv_.wait_for(l, std::chrono::seconds(kIdleSeconds), [this] { return !jobs_.empty(); });
      --idle_;
      if (!got && idle_ >= kSpareThreads) return;
      if (!got) continue;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      l.unlock();
      job();
      l.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  int idle_ = 0;
};

class Acceptor {
 public:
  Acceptor(const Options& o, Context ctx, Fd listener) : o_(o), ctx_(std::move(ctx)), listener_(std::move(listener)) {}
  Status start();
  void loop(Daemon& d);
  [[noreturn]] void drain();

 private:
  void accept_some();
  const Options& o_;
  Context ctx_;
  Fd listener_, done_;  // done_: an eventfd each finished job adds 1 to
  std::atomic<int> active_{0};
  JobThreads threads_;
};

Status Acceptor::start() {
  done_ = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!done_) return fail_sys("unable to create an eventfd");
  return {};
}

void Acceptor::accept_some() {
  while (active_.load() < o_.jobs) {
    Fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (errno == EMFILE || errno == ENFILE) log::warning("unable to accept: ", std::strerror(errno));
      return;
    }
    // root, the queue user itself, or the -G group (the servers that may inject)
    auto peer = net::allowed_peer(conn.get(), ctx_.group);
    if (!peer) {
      log::warning(peer.error().what);
      continue;
    }
    net::PeerCred cred = *peer;
    ++active_;
    auto shared = std::make_shared<Fd>(std::move(conn));  // std::function needs a copyable job
    bool started = threads_.submit([this, shared, cred] {
      serve(ctx_, std::move(*shared), cred);
      --active_;
      uint64_t one = 1;
      (void)!::write(done_.get(), &one, sizeof one);
    });
    if (!started) {
      // the connection is closed: its client runs posta-queue at once
      --active_;
      log::warning("unable to start a job thread");
      return;
    }
  }
}

// Returns at SIGTERM or SIGINT; SIGHUP is ignored (nothing is reread).
void Acceptor::loop(Daemon& d) {
  for (;;) {
    bool room = active_.load() < o_.jobs;
    pollfd p[3] = {{d.signal_fd(), POLLIN, 0}, {done_.get(), POLLIN, 0}, {listener_.get(), short(room ? POLLIN : 0), 0}};
    if (::poll(p, 3, -1) < 0) continue;
    if (p[0].revents)
      while (auto sig = d.next_signal())
        if (*sig != SIGHUP) return;
    if (p[1].revents) {
      uint64_t n;
      (void)!::read(done_.get(), &n, sizeof n);
    }
    if (p[2].revents) accept_some();
  }
}

// Stops taking jobs and gives the running ones a moment; a job cut off leaves nothing in
// todo/ (its client answers 451 and the sender tries again). Never returns: a job thread may
// still be between its last step and its end, so nothing it uses is destroyed.
[[noreturn]] void Acceptor::drain() {
  listener_.reset();
  ::unlink(o_.socket.c_str());
  for (int waited = 0; active_.load() > 0 && waited < kDrainSeconds * 10; ++waited) {
    pollfd p{done_.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      uint64_t n;
      (void)!::read(done_.get(), &n, sizeof n);
    }
  }
  if (int left = active_.load(); left > 0) log::warning("exiting with ", left, " messages unfinished (not queued)");
  ::_exit(kExitOk);
}

}  // namespace

int run(const Options& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGTERM, SIGINT, SIGHUP});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  std::string home = posta_home();
  auto [listener, group, system] = settle(o, home);
  auto spool = queue::Spool::from_home(home);
  if (auto s = spool.ensure(); !s) log::fatal(kExitTemporary, s.error().what);
  Acceptor acceptor(o, Context{home, spool, o.timeout, group, system}, std::move(listener));
  if (auto st = acceptor.start(); !st) log::fatal(kExitTemporary, st.error().what);
  log::info("listening on ", o.socket, ", ", o.jobs, " messages at once");
  daemon->ready();
  acceptor.loop(*daemon);
  log::info("stopping");
  acceptor.drain();
}

}  // namespace posta::queued
