#include "proc/child.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "io/fd.h"

namespace posta {

std::string ExitStatus::describe() const {
  return (exited ? "exit " : "signal ") + std::to_string(code);
}

ExitStatus decode_wait_status(int status) {
  if (WIFEXITED(status)) return {true, WEXITSTATUS(status)};
  if (WIFSIGNALED(status)) return {false, WTERMSIG(status)};
  return {false, 0};
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    this->~Child();
    pid_ = std::exchange(o.pid_, -1);
  }
  return *this;
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {}
  }
}

Result<ExitStatus> Child::wait() {
  int st;
  for (;;) {
    if (::waitpid(pid_, &st, 0) >= 0) break;
    if (errno != EINTR) return fail_sys("unable to wait for child");
  }
  pid_ = -1;
  return decode_wait_status(st);
}

void exec_argv(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  for (auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
}

namespace {

// Our environment with the "NAME=value" entries of extra replacing (or adding to) it.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    bool replaced = false;
    for (auto& x : extra) replaced = replaced || name_of(x) == name_of(entry);
    if (!replaced) env.push_back(std::move(entry));
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(const std::vector<std::string>& v) {
  std::vector<char*> p;
  for (auto& s : v) p.push_back(const_cast<char*>(s.c_str()));
  p.push_back(nullptr);
  return p;
}

// RAII for the two posix_spawn attribute objects.
struct SpawnAttrs {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnAttrs() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttrs() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnAttrs(const SpawnAttrs&) = delete;
  SpawnAttrs& operator=(const SpawnAttrs&) = delete;
};

}  // namespace

// posix_spawn (a vfork-style clone in glibc) rather than fork: a fork copies the page tables
// of the whole parent, which was the top cost of posta-rspawn and posta-lspawn per delivery.
Result<Child> spawn(const std::vector<std::string>& argv, const SpawnOptions& opt) {
  if (argv.empty()) return fail("spawn: empty argv");
  // Started with SIGCHLD ignored (swaks --pipe, PHP and Perl callers of sendmail), the kernel
  // would reap our children itself and wait() would fail with ECHILD.
  struct sigaction old {};
  if (::sigaction(SIGCHLD, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) ::signal(SIGCHLD, SIG_DFL);
  SpawnAttrs sa;
  // Sources go to high close-on-exec fds first, so that a map like {4->3, 3->4} works.
  std::vector<Fd> high;
  for (auto& [from, to] : opt.fds) {
    int h = ::fcntl(from, F_DUPFD_CLOEXEC, 64);
    if (h < 0) return fail_sys("unable to duplicate fd " + std::to_string(from));
    high.emplace_back(h);
    posix_spawn_file_actions_adddup2(&sa.actions, h, to);
  }
  if (!opt.cwd.empty()) posix_spawn_file_actions_addchdir_np(&sa.actions, opt.cwd.c_str());
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGCHLD);
  posix_spawnattr_setsigmask(&sa.attr, &none);
  posix_spawnattr_setsigdefault(&sa.attr, &defaults);
  posix_spawnattr_setflags(&sa.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> env = child_environment(opt.env);
  std::vector<char*> args = pointers(argv), envp = pointers(env);
  pid_t pid;
  int rc = ::posix_spawnp(&pid, args[0], &sa.actions, &sa.attr, args.data(), envp.data());
  if (rc != 0) {
    errno = rc;
    return fail_sys("unable to exec " + argv[0]);
  }
  return Child(pid);
}

std::string self_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  return dirname_of(std::string(buf, static_cast<size_t>(n)));
}

std::string sibling(const std::string& name) {
  const char* b = std::getenv("POSTA_BIN");
  return (b && *b ? std::string(b) : self_dir()) + "/" + name;
}

}  // namespace posta
