// posta-start: starts posta-lspawn, posta-rspawn and posta-clean connected by pipes, then
// becomes posta-send (posta-start(8)). Run as root for a system-mode instance (home owned by
// root), it starts each of them under its role user and drops to posta-s before the exec.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "proc/privilege.h"

namespace {

struct Link {
  posta::Pipe req, res;  // send -> helper, helper -> send
};

// A program of the family and, in system mode, who it runs as.
struct Role {
  const char* program;
  const char* user;
  const char* group;
  std::vector<std::string> extra;  // supplementary groups
};

// INTERNALS.md "System mode". The spool group reads the spool (lspawn and rspawn open mess/
// for their agents), the database group opens db/.
const Role kHelpers[3] = {
    {"posta-lspawn", "posta-v", posta::kSpoolGroup, {posta::kDbGroup}},
    {"posta-rspawn", "posta-r", posta::kSpoolGroup, {posta::kDbGroup}},
    {"posta-clean", "posta-q", posta::kSpoolGroup, {}},
};
const Role kSend = {"posta-send", "posta-s", posta::kSpoolGroup, {posta::kDbGroup}};

posta::Result<posta::Credentials> credentials(const Role& r) {
  return posta::lookup_credentials(r.user, r.group, r.extra);
}

// Forks the helper with req.read on fd 0 and res.write on fd 1, as creds when given.
posta::Result<pid_t> fork_helper(const std::string& path, Link& l, const posta::Credentials* creds) {
  if (!creds) {
    posta::SpawnOptions opt;
    opt.fds = {{l.req.read.get(), 0}, {l.res.write.get(), 1}};
    auto child = posta::spawn({path}, opt);
    if (!child) return std::unexpected(child.error());
    pid_t pid = child->pid();
    child->release();  // posta-send (this process after exec) is their parent now
    return pid;
  }
  pid_t pid = ::fork();
  if (pid < 0) return posta::fail_sys("unable to fork");
  if (pid == 0) {
    // as spawn() does: pipes above the targets first, default signal state for the helper
    int in = ::fcntl(l.req.read.get(), F_DUPFD_CLOEXEC, 64), out = ::fcntl(l.res.write.get(), F_DUPFD_CLOEXEC, 64);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0) ::_exit(111);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (auto s = posta::assume(*creds); !s) {
      posta::log::error(s.error().what);
      ::_exit(111);
    }
    posta::exec_argv({path});
    posta::log::error("unable to exec ", path);
    ::_exit(111);
  }
  return pid;
}

posta::Status start_helper(const Role& role, Link& l, bool as_role) {
  auto req = posta::Pipe::make();
  auto res = posta::Pipe::make();
  if (!req || !res) return posta::fail_sys("unable to create pipes");
  l.req = std::move(*req);
  l.res = std::move(*res);
  std::optional<posta::Credentials> creds;
  if (as_role) {
    auto c = credentials(role);
    if (!c) return std::unexpected(c.error());
    creds = *c;
  }
  auto pid = fork_helper(posta::sibling(role.program), l, creds ? &*creds : nullptr);
  if (!pid) return std::unexpected(pid.error());
  l.req.read.reset();
  l.res.write.reset();
  return {};
}

// The readiness fd, moved above the helpers' fds (3-8) and close-on-exec.
std::optional<int> readiness(int ready) {
  std::optional<int> nfd = posta::readiness_fd(ready >= 0 ? std::optional<int>(ready) : std::nullopt);
  if (nfd && *nfd < 10) {
    int high = ::fcntl(*nfd, F_DUPFD_CLOEXEC, 10);
    if (high < 0) posta::log::fatal(posta::kExitTemporary, "unable to move the readiness fd");
    ::close(*nfd);
    nfd = high;
  }
  if (nfd) posta::set_cloexec(*nfd, true);
  return nfd;
}

// send's ends: write to helper i on 3+2i, read from it on 4+2i (via high fds: no clobbering).
void install_send_fds(Link (&l)[3]) {
  std::vector<std::pair<int, int>> moves;
  for (int i = 0; i < 3; ++i) {
    moves.push_back({::fcntl(l[i].req.write.get(), F_DUPFD_CLOEXEC, 20), 3 + 2 * i});
    moves.push_back({::fcntl(l[i].res.read.get(), F_DUPFD_CLOEXEC, 20), 4 + 2 * i});
  }
  for (auto& link : l) {
    link.req.write.reset();
    link.res.read.reset();
  }
  for (auto [from, to] : moves) {
    if (from < 0 || ::dup2(from, to) < 0) posta::log::fatal(posta::kExitTemporary, "unable to set up the pipes");
    ::close(from);
  }
}

int run(int ready) {
  std::optional<int> nfd = readiness(ready);
  std::string home = posta::posta_home();
  bool as_roles = posta::system_mode(home);
  if (!as_roles)
    if (auto s = posta::become_instance_owner(home); !s) posta::log::fatal(posta::kExitTemporary, s.error().what);
  // Resolve posta-send's identity before forking anything: a missing user stops us early.
  std::optional<posta::Credentials> send_creds;
  if (as_roles) {
    auto c = credentials(kSend);
    if (!c) posta::log::fatal(posta::kExitTemporary, c.error().what);
    send_creds = *c;
  }
  // fds 0-2 stay; anything on 3-9 is closed first so that the helpers do not hold it.
  for (int fd = 3; fd < 10; ++fd) ::close(fd);
  Link l[3];
  for (int i = 0; i < 3; ++i)
    if (auto s = start_helper(kHelpers[i], l[i], as_roles); !s) posta::log::fatal(posta::kExitTemporary, s.error().what);
  install_send_fds(l);
  if (send_creds)
    if (auto s = posta::assume(*send_creds); !s) posta::log::fatal(posta::kExitTemporary, s.error().what);
  std::vector<std::string> argv = {posta::sibling(kSend.program)};
  if (nfd) {
    posta::set_cloexec(*nfd, false);
    argv.push_back("-d");
    argv.push_back(std::to_string(*nfd));
  }
  posta::exec_argv(argv);
  posta::log::fatal(posta::kExitTemporary, "unable to exec " + argv[0]);
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-start");
  CLI::App app{"posta-start: starts the queue manager family (see posta-start(8))"};
  int ready = -1;
  app.add_option("-d", ready, "readiness notification fd, passed on to posta-send");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : posta::kExitUsageS6;
  }
  return run(ready);
}
