// `posta-spamcheck serve`: the resident content filter. It loads the rules, the published
// token store and the scanners' configuration once, then forks workers that take each
// message's four fds from posta-smtpd on run/spamcheck.sock (the handoff protocol of
// posta-queued, with the frame kind kFilterFrame) and run the filter on them, one message
// after the other, up to kJobsPerWorker each: no exec, no rule compilation, no store to open
// per message, and a hostile message can harm only the worker it is in. What the checks
// read is loaded again when a file in control/ or spam/ changes, or at SIGHUP
// (posta-spamcheck(8) "RESIDENT FILTER").
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "proc/socket_group.h"
#include "queue/queued_client.h"
#include "queue/queued_server.h"
#include "spamcheck.h"

namespace posta::spamcheck {
namespace {

constexpr int kJobsPerWorker = 500;     // then a fresh worker: memory a message grew is given back
constexpr int kWorkerIdleSeconds = 300;  // a worker idle this long ends (spares are forked again)
constexpr int kSpareWorkers = 2;        // idle workers kept waiting for the next messages

// What a worker tells the parent on the status pipe (one write, under PIPE_BUF: atomic).
struct WorkerStatus {
  pid_t pid;
  int busy;
};

// The regular files of control/ and spam/ as (name, inode, mtime, size): what the loaded
// checks came from. Directories are left out (spam/tmp changes with every message).
using Fingerprint = std::vector<std::tuple<std::string, ino_t, long long, off_t>>;

Fingerprint fingerprint(const std::string& home) {
  Fingerprint f;
  for (const char* sub : {"/control", "/spam"}) {
    std::string dir = home + sub;
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      struct stat st {};
      std::string path = dir + "/" + e->d_name;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      f.emplace_back(path, st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, st.st_size);
    }
    ::closedir(d);
  }
  std::sort(f.begin(), f.end());
  return f;
}

struct Loaded {
  Checks checks;
  Fingerprint from;
};

Loaded load(const std::string& home) {
  Fingerprint f = fingerprint(home);
  Loaded l{load_checks(home), std::move(f)};
  if (!l.checks.trouble.empty()) log::warning(l.checks.trouble);
  return l;
}

// A worker puts a message's descriptors at 0, 1, 6 and 7, and /dev/null there again after
// it. 0 and 1 are /dev/null in the daemon; 6 and 7 are taken first thing, so that nothing a
// worker keeps (the connection, the listener, the token store's file) gets those numbers.
void reserve_job_fds(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (::fcntl(fd, F_GETFD) >= 0) continue;  // the signal pipe: workers do not use it
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) log::fatal(kExitTemporary, "unable to open /dev/null");
    if (null != fd) {
      if (::dup3(null, fd, O_CLOEXEC) < 0) log::fatal(kExitTemporary, "unable to reserve descriptor " + std::to_string(fd));
      ::close(null);
    }
  }
}

// Whose POSTA_AUTH_USER and POSTA_ORIGIN are believed: root, ourselves (a rootless instance's
// owner, as every program of it runs), and posta-smtpd's user in a system-mode instance.
bool speaks_for_network(uid_t uid) {
  return uid == 0 || uid == ::geteuid() || user_id(kDaemonUser) == uid;
}

// One message in a worker: the frame's names become its environment, the four fds become
// 0, 1, 6 and 7 as posta-queue has them, and the filter's exit code goes back as "exit N".
// Afterwards the worker is as before: the names unset, /dev/null at 0, 1, 6 and 7 again,
// the global token store back in checks.
void serve_job(const std::string& home, Checks& checks, int conn, net::PeerCred cred, int timeout) {
  timeval t{timeout, 0};
  (void)::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  net::Passed got;
  auto req = queue::receive_job(conn, got, queue::kFilterFrame);
  if (!req) {
    if (req.error().what != "end of file")
      log::warning("refused a frame from uid ", cred.uid, ": ", log::printable(req.error().what, 200));
    return;
  }
  if (!queue::answer(conn, queue::kQueuedAccepted)) return;  // the client gave up
  for (auto& [name, value] : req->env) ::setenv(name.c_str(), value.c_str(), 1);
  // above every target first: a received fd may itself be numbered 0, 1, 6 or 7
  int targets[] = {0, 1, 6, 7}, high[4];
  for (size_t i = 0; i < 4; ++i)
    if ((high[i] = ::fcntl(got.fds[i].get(), F_DUPFD_CLOEXEC, 10)) < 0) ::_exit(kQueueInternalBug);
  got.fds.clear();
  for (size_t i = 0; i < 4; ++i)
    if (::dup2(high[i], targets[i]) < 0 || ::close(high[i]) != 0) ::_exit(kQueueInternalBug);
  ::setenv("POSTA_QUEUE_IDFD", "7", 1);
  auto global_tokens = checks.tokens;
  int code = filter(home, checks, speaks_for_network(cred.uid));
  checks.tokens = std::move(global_tokens);
  // ours closed first: the client reads fd 6 and the id pipe to their end after the answer
  for (int fd : targets) ::close(fd);
  reserve_job_fds({0, 1, 6, 7});
  for (auto& [name, value] : req->env) ::unsetenv(name.c_str());
  (void)queue::answer(conn, queue::encode_queued_exit(code));
}

volatile sig_atomic_t g_worker_stop = 0;

// A worker: takes connections from the shared listener itself and serves them one after
// the other, telling the parent on status when it is busy and idle; exits after
// kJobsPerWorker messages, kWorkerIdleSeconds without one, or at SIGTERM once the message
// in hand is done. Settings changed on disk are loaded before the next message.
[[noreturn]] void run_worker(const std::string& home, Loaded& loaded, int listener, int status,
                             std::optional<gid_t> group, int timeout) {
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_worker_stop = 1; };  // no SA_RESTART: accept() returns
  for (int sig : {SIGTERM, SIGINT}) ::sigaction(sig, &sa, nullptr);
  for (int sig : {SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
  for (auto name : queue::kFilterNames) ::unsetenv(std::string(name).c_str());
  auto tell = [&](bool busy) {
    WorkerStatus w{::getpid(), busy};
    (void)!::write(status, &w, sizeof w);
  };
  for (int done = 0; done < kJobsPerWorker && !g_worker_stop;) {
    Fd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN) break;  // idle for the listener's timeout
      // Out of descriptors or memory: wait and try again, rather than end and have the
      // parent fork a replacement that fails the same way at once.
      int e = errno;
      log::warning("unable to accept: ", std::strerror(e));
      ::sleep(1);
      if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) continue;
      break;
    }
    tell(true);
    auto peer = net::allowed_peer(conn.get(), group);
    if (!peer) {
      log::warning(peer.error().what);
    } else {
      if (fingerprint(home) != loaded.from) loaded = load(home);
      serve_job(home, loaded.checks, conn.get(), *peer, timeout);
      ++done;
    }
    conn.reset();
    tell(false);
  }
  ::_exit(kExitOk);
}

struct Settled {
  Fd listener;
  std::optional<gid_t> group;
};

// As the learner: posta-c in a system-mode instance (the owner of spam/), the instance owner
// otherwise; the socket is made first, while it may still be given to the -G group.
Settled settle(const ServeOptions& o, const std::string& home) {
  bool system = system_mode(home);
  if (!system)
    if (auto st = become_instance_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  auto gid = socket_group(o.group);
  if (!gid) log::fatal(kExitTemporary, gid.error().what);
  auto listener = net::listen_unix_for(o.socket, *gid);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  if (system && ::geteuid() == 0)
    if (auto st = drop_to(kContentUser, kDbGroup); !st) log::fatal(kExitTemporary, st.error().what);
  return {std::move(*listener), *gid};
}

// The parent: keeps kSpareWorkers idle workers (at most -c in all), reaps them, and at
// SIGHUP loads again and has every worker end after its message, so fresh ones take over.
class Workers {
 public:
  Workers(const ServeOptions& o, std::string home, Fd listener, std::optional<gid_t> group)
      : o_(o), home_(std::move(home)), listener_(std::move(listener)), group_(group), loaded_(load(home_)) {}

  Status start() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return fail_sys("unable to create the status pipe");
    status_read_ = Fd(p[0]);
    status_write_ = Fd(p[1]);
    // workers wait in accept(), and end when it times out idle (listen_unix_for makes the
    // socket non-blocking, for event loops; blocking is a flag of the shared description)
    int fl = ::fcntl(listener_.get(), F_GETFL);
    if (fl < 0 || ::fcntl(listener_.get(), F_SETFL, fl & ~O_NONBLOCK) != 0)
      return fail_sys("unable to make the socket blocking");
    timeval t{kWorkerIdleSeconds, 0};
    (void)::setsockopt(listener_.get(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
    top_up();
    return {};
  }
  int status_fd() const { return status_read_.get(); }

  void read_status() {
    WorkerStatus w[64];
    ssize_t n = ::read(status_read_.get(), w, sizeof w);
    for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(WorkerStatus)); ++i)
      if (auto it = busy_.find(w[i].pid); it != busy_.end()) it->second = w[i].busy != 0;
    top_up();
  }
  void reap() {
    pid_t pid;
    int st;
    while ((pid = ::waitpid(-1, &st, WNOHANG)) > 0) {
      if (busy_[pid] && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        log::warning("worker ", pid, " ended in a message (", describe_status(st), ")");
      busy_.erase(pid);
    }
    top_up();
  }
  void reload() {
    loaded_ = load(home_);
    stop_all();
  }
  void stop_all() {
    for (auto& [pid, busy] : busy_) ::kill(pid, SIGTERM);
  }

 private:
  static std::string describe_status(int st) {
    return WIFSIGNALED(st) ? "signal " + std::to_string(WTERMSIG(st)) : "exit " + std::to_string(WEXITSTATUS(st));
  }
  void top_up() {
    int idle = 0;
    for (auto& [pid, busy] : busy_) idle += !busy;
    while (idle < kSpareWorkers && static_cast<int>(busy_.size()) < o_.jobs) {
      if (fingerprint(home_) != loaded_.from) loaded_ = load(home_);
      pid_t pid = ::fork();
      if (pid < 0) {
        log::warning("unable to fork a worker: ", std::strerror(errno));
        return;
      }
      if (pid == 0) {
        status_read_.reset();
        run_worker(home_, loaded_, listener_.get(), status_write_.get(), group_, o_.timeout);
      }
      busy_[pid] = false;
      ++idle;
    }
  }
  const ServeOptions& o_;
  std::string home_;
  Fd listener_, status_read_, status_write_;
  std::optional<gid_t> group_;
  Loaded loaded_;
  std::map<pid_t, bool> busy_;  // the workers alive
};

}  // namespace

int run_serve(const ServeOptions& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  reserve_job_fds({6, 7});
  // s6 runs bin/posta-spamcheck, the set-user-id posta-c copy, as root: the instance is the
  // copy's, and root is taken back to make the socket. Nobody else starts the daemon.
  if (running_setuid()) {
    if (::getuid() != 0) log::fatal(kExitUsage, "serve is started by root or the instance owner");
    if (auto s = settle_setuid_instance(); !s) log::fatal(kExitTemporary, s.error().what);
    if (::seteuid(0) != 0) log::fatal(kExitTemporary, "unable to become root again");
  }
  std::string home = posta_home();
  auto [listener, group] = settle(o, home);
  ::umask(077);
  Workers workers(o, home, std::move(listener), group);
  if (auto st = workers.start(); !st) log::fatal(kExitTemporary, st.error().what);
  log::info("listening on ", o.socket, ", ", o.jobs, " messages at once");
  daemon->ready();
  for (;;) {
    pollfd p[2] = {{daemon->signal_fd(), POLLIN, 0}, {workers.status_fd(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[1].revents) workers.read_status();
    if (!p[0].revents) continue;
    bool stop = false, reload = false, children = false;
    while (auto sig = daemon->next_signal()) {
      if (*sig == SIGCHLD) children = true;
      else if (*sig == SIGHUP) reload = true;
      else stop = true;
    }
    if (stop) break;
    if (children) workers.reap();
    if (reload) workers.reload();
  }
  // the workers finish the messages in hand and end; new clients run posta-spamcheck
  log::info("stopping");
  ::unlink(o.socket.c_str());
  workers.stop_all();
  return kExitOk;
}

}  // namespace posta::spamcheck
