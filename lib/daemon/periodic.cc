#include "daemon/periodic.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace posta {

void lower_priority() {
  ::setpriority(PRIO_PROCESS, 0, 10);
  constexpr int kWhoProcess = 1, kClassIdle = 3, kClassShift = 13;
  ::syscall(SYS_ioprio_set, kWhoProcess, 0, kClassIdle << kClassShift);
}

int run_self(Daemon& d, const std::vector<std::string>& args, std::string& err) {
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
    if (auto sig = d.wait_signal(200); sig && (*sig == SIGTERM || *sig == SIGINT)) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, &st, 0);
      return -1;
    }
  }
}

bool wait_until(Daemon& d, int64_t next) {
  while (::time(nullptr) < next) {
    auto sig = d.wait_signal(int(std::min<int64_t>(next - ::time(nullptr), 60) * 1000));
    if (sig && (*sig == SIGTERM || *sig == SIGINT)) return false;
    if (sig && *sig == SIGHUP) return true;
  }
  return true;
}

}  // namespace posta
