#include "daemon/periodic.h"

#include <signal.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace posta {

void lower_priority() {
  ::setpriority(PRIO_PROCESS, 0, 10);
  constexpr int kWhoProcess = 1, kClassIdle = 3, kClassShift = 13;
  ::syscall(SYS_ioprio_set, kWhoProcess, 0, kClassIdle << kClassShift);
}

int run_self(Daemon& d, const std::vector<std::string>& args, std::string& err, bool* hangup) {
  pid_t pid = ::fork();
  if (pid < 0) {
    err = sys_error("fork").what;
    return 111;
  }
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(111);
  }
  for (;;) {
    int st;
    pid_t w = ::waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      if (WIFEXITED(st)) return WEXITSTATUS(st);
      err = "killed by signal " + std::to_string(WTERMSIG(st));
      return 111;
    }
    auto sig = d.wait_signal(200);
    if (sig && (*sig == SIGTERM || *sig == SIGINT)) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, &st, 0);
      return -1;
    }
    if (sig && *sig == SIGHUP && hangup) *hangup = true;
  }
}

bool wait_until(Daemon& d, int64_t next) { return wait_for(d, next, -1) != Wake::kStop; }

Wake wait_for(Daemon& d, int64_t next, int fd) {
  while (::time(nullptr) < next) {
    pollfd fds[2] = {{d.signal_fd(), POLLIN, 0}, {fd, POLLIN, 0}};
    int n = ::poll(fds, fd >= 0 ? 2 : 1, int(std::min<int64_t>(next - ::time(nullptr), 60) * 1000));
    if (n < 0 && errno != EINTR) return Wake::kStop;
    while (auto sig = d.next_signal()) {
      if (*sig == SIGTERM || *sig == SIGINT) return Wake::kStop;
      if (*sig == SIGHUP) return Wake::kHangup;
    }
    if (n > 0 && fd >= 0 && (fds[1].revents & POLLIN)) return Wake::kReadable;
  }
  return Wake::kDue;
}

}  // namespace posta
