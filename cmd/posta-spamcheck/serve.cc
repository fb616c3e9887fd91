// `posta-spamcheck serve`: the resident content filter. It loads the rules, the published
// token store and the scanners' configuration once, takes each message's four fds from
// posta-smtpd on run/spamcheck.sock (the handoff protocol of posta-queued, with the frame
// kind kFilterFrame), and runs the filter in a child forked for that message: the child
// starts with everything loaded (no exec, no rule compilation, no store to open) and a
// hostile message can harm only its own process. What the checks read is loaded again when
// a file in control/ or spam/ changes, or at SIGHUP (posta-spamcheck(8) "RESIDENT FILTER").
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

constexpr const char* kContentUser = "posta-c";

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

// Whose POSTA_AUTH_USER and POSTA_ORIGIN are believed: root, ourselves (a rootless instance's
// owner, as every program of it runs), and posta-smtpd's user in a system-mode instance.
bool speaks_for_network(uid_t uid) {
  return uid == 0 || uid == ::geteuid() || user_id(kDaemonUser) == uid;
}

// The child of one message: the frame's names become its environment, the four fds become
// 0, 1, 6 and 7 as posta-queue has them, and the filter's exit code goes back as "exit N".
[[noreturn]] void run_job(const std::string& home, Checks& checks, Fd conn, net::PeerCred cred, int timeout) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
  timeval t{timeout, 0};
  (void)::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  net::Passed got;
  auto req = queue::receive_job(conn.get(), got, queue::kFilterFrame);
  if (!req) {
    if (req.error().what != "end of file")
      log::warning("refused a frame from uid ", cred.uid, ": ", log::printable(req.error().what, 200));
    ::_exit(kExitOk);
  }
  if (!queue::answer(conn.get(), queue::kQueuedAccepted)) ::_exit(kExitOk);  // the client gave up
  for (auto name : queue::kFilterNames) ::unsetenv(std::string(name).c_str());
  for (auto& [name, value] : req->env) ::setenv(name.c_str(), value.c_str(), 1);
  // above every target first: a received fd may itself be numbered 0, 1, 6 or 7
  int targets[] = {0, 1, 6, 7}, high[4];
  for (size_t i = 0; i < 4; ++i)
    if ((high[i] = ::fcntl(got.fds[i].get(), F_DUPFD_CLOEXEC, 10)) < 0) ::_exit(kQueueInternalBug);
  got.fds.clear();
  for (size_t i = 0; i < 4; ++i)
    if (::dup2(high[i], targets[i]) < 0 || ::close(high[i]) != 0) ::_exit(kQueueInternalBug);
  ::setenv("POSTA_QUEUE_IDFD", "7", 1);
  int code = filter(home, checks, speaks_for_network(cred.uid));
  // ours closed first: the client reads fd 6 and the id pipe to their end after the answer
  for (int fd : targets) ::close(fd);
  (void)queue::answer(conn.get(), queue::encode_queued_exit(code));
  ::_exit(code);
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

// A child puts the message's descriptors at 0, 1, 6 and 7. 0 and 1 are /dev/null in the
// daemon; 6 and 7 are taken here, first thing, so that nothing the child still needs (the
// connection, the token store's file) can be given those numbers.
void reserve_job_fds() {
  for (int fd : {6, 7}) {
    if (::fcntl(fd, F_GETFD) >= 0) continue;  // the signal pipe: the child does not use it
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) log::fatal(kExitTemporary, "unable to open /dev/null");
    if (null != fd) {
      if (::dup3(null, fd, O_CLOEXEC) < 0) log::fatal(kExitTemporary, "unable to reserve descriptor " + std::to_string(fd));
      ::close(null);
    }
  }
}

int reap() {
  int n = 0;
  while (::waitpid(-1, nullptr, WNOHANG) > 0) ++n;
  return n;
}

}  // namespace

int run_serve(const ServeOptions& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  reserve_job_fds();
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
  Loaded loaded = load(home);
  int active = 0;
  log::info("listening on ", o.socket, ", ", o.jobs, " messages at once");
  daemon->ready();
  for (;;) {
    pollfd p[2] = {{daemon->signal_fd(), POLLIN, 0}, {listener.get(), short(active < o.jobs ? POLLIN : 0), 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[0].revents) {
      bool stop = false, reload = false;
      while (auto sig = daemon->next_signal()) {
        if (*sig == SIGCHLD) active -= reap();
        else if (*sig == SIGHUP) reload = true;
        else stop = true;
      }
      if (stop) break;
      if (reload) loaded = load(home);
    }
    if (!(p[1].revents & POLLIN)) continue;
    Fd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (errno == EMFILE || errno == ENFILE) log::warning("unable to accept: ", std::strerror(errno));
      continue;
    }
    auto peer = net::allowed_peer(conn.get(), group);
    if (!peer) {
      log::warning(peer.error().what);
      continue;
    }
    if (fingerprint(home) != loaded.from) loaded = load(home);
    pid_t pid = ::fork();
    if (pid < 0) {
      // the connection closes unanswered: its client runs posta-spamcheck itself
      log::warning("unable to fork: ", std::strerror(errno));
      continue;
    }
    if (pid == 0) {
      listener.reset();
      run_job(home, loaded.checks, std::move(conn), *peer, o.timeout);
    }
    ++active;
  }
  // messages in progress are in children of their own, which finish them
  log::info("stopping");
  listener.reset();
  ::unlink(o.socket.c_str());
  return kExitOk;
}

}  // namespace posta::spamcheck
