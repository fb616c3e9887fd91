#include "proc/child.h"

#include <signal.h>
#include <fcntl.h>
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

Result<Child> spawn(const std::vector<std::string>& argv, const SpawnOptions& opt) {
  if (argv.empty()) return fail("spawn: empty argv");
  // Started with SIGCHLD ignored (swaks --pipe, PHP and Perl callers of sendmail), the kernel
  // would reap our children itself and wait() would fail with ECHILD.
  struct sigaction old {};
  if (::sigaction(SIGCHLD, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) ::signal(SIGCHLD, SIG_DFL);
  // fork, not posix_spawn: with glibc's vfork-style posix_spawn, 20 parallel posta-smtpd
  // spawning posta-queue made Berkeley DB's DB_REGISTER see live processes as dead and run
  // recovery under everyone (PANIC, BDB0060); with fork it never happened.
  pid_t pid = ::fork();
  if (pid < 0) return fail_sys("unable to fork");
  if (pid == 0) {
    // Move sources out of the way first so that a map like {4->3, 3->4} works.
    std::vector<std::pair<int, int>> fds = opt.fds;
    for (auto& [from, to] : fds) {
      int high = ::fcntl(from, F_DUPFD_CLOEXEC, 64);
      if (high < 0) ::_exit(111);
      from = high;
    }
    for (auto& [from, to] : fds)
      if (::dup2(from, to) < 0) ::_exit(111);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!opt.cwd.empty() && ::chdir(opt.cwd.c_str()) != 0) ::_exit(111);
    exec_argv(argv, opt.env);
    std::string msg = "unable to exec " + argv[0] + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(111);
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
