#include "smtpclient/hostslot.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace posta::smtpc {
namespace {

using Clock = std::chrono::steady_clock;

void on_alarm(int) {}

// flock(LOCK_EX) that gives up after `t` (a one-shot timer interrupts it).
bool lock_within(int fd, Millis t) {
  struct sigaction sa {}, old{};
  sa.sa_handler = on_alarm;  // no SA_RESTART: the timer interrupts flock with EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGALRM, &sa, &old);
  itimerval it{};
  it.it_value.tv_sec = t.count() / 1000;
  it.it_value.tv_usec = (t.count() % 1000) * 1000;
  if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0) it.it_value.tv_usec = 1000;
  ::setitimer(ITIMER_REAL, &it, nullptr);
  int r = ::flock(fd, LOCK_EX);
  itimerval off{};
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &old, nullptr);
  return r == 0;
}

std::string slot_base(const std::string& dir, const std::string& ip, int port) {
  std::string name;
  for (char c : ip) name.push_back(c == ':' ? '_' : c);
  return dir + "/" + name + "," + std::to_string(port) + ".";
}

}  // namespace

Result<HostSlot> HostSlot::acquire(const std::string& dir, const std::string& ip, int port, int limit, Millis wait,
                                   std::string& note) {
  HostSlot s;
  if (limit <= 0) return s;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    note = "host slots: " + sys_error("mkdir " + dir).what;
    return s;
  }
  std::string base = slot_base(dir, ip, port);
  std::vector<Fd> fds;
  for (int k = 0; k < limit; ++k) {
    auto fd = open_fd(base + std::to_string(k), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (!fd) {
      note = "host slots: " + fd.error().what;
      return s;
    }
    fds.push_back(std::move(*fd));
  }
  auto deadline = Clock::now() + wait;
  // Free slots are taken at once; when all are busy, wait on "our" slot and look at the
  // others every 200 ms, so that a slot freed elsewhere is noticed soon.
  int mine = static_cast<int>(::getpid() % limit);
  for (;;) {
    for (int k = 0; k < limit; ++k) {
      if (::flock(fds[k].get(), LOCK_EX | LOCK_NB) == 0) {
        s.fd_ = std::move(fds[k]);
        s.index_ = k;
        return s;
      }
    }
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) break;
    if (lock_within(fds[mine].get(), std::min(left, Millis(200)))) {
      s.fd_ = std::move(fds[mine]);
      s.index_ = mine;
      return s;
    }
  }
  return fail(std::to_string(limit) + " connections to " + ip + ":" + std::to_string(port) +
              " busy for " + std::to_string(wait.count() / 1000) + "s (control/concurrencyperhost)");
}

}  // namespace posta::smtpc
