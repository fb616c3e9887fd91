#include "io/deadline.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

namespace posta {
namespace {

constexpr const char* kEnv = "POSTA_SESSION_DEADLINE";

// steady_clock is CLOCK_MONOTONIC on Linux: one clock for every process of the machine,
// so a time point in milliseconds means the same in a successor.
long long to_ms(Deadline::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// One write attempt that cannot block; -1 with errno set on failure.
ssize_t write_once(int fd, std::string_view data, bool& socket) {
  if (socket) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0 || errno != ENOTSOCK) return n;
    socket = false;
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  if (!(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  ssize_t n = ::write(fd, data.data(), data.size());
  int saved = errno;
  if (!(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags);
  errno = saved;
  return n;
}

}  // namespace

Deadline Deadline::after(std::chrono::seconds limit) {
  Deadline d;
  if (limit.count() > 0) d.at_ = Clock::now() + limit;
  return d;
}

Deadline Deadline::inherited(std::chrono::seconds limit) {
  Deadline d = after(limit);
  if (const char* v = std::getenv(kEnv)) {
    long long ms = 0;
    const char* end = v + std::strlen(v);
    auto [p, ec] = std::from_chars(v, end, ms);
    if (ec == std::errc() && p == end && ms > 0) {
      Clock::time_point t{std::chrono::milliseconds(ms)};
      if (t < d.at_) d.at_ = t;
    }
  }
  d.export_env();
  return d;
}

void Deadline::export_env() const {
  if (never()) ::unsetenv(kEnv);
  else ::setenv(kEnv, std::to_string(to_ms(at_)).c_str(), 1);
}

std::chrono::milliseconds Deadline::cap(std::chrono::milliseconds t) const {
  if (never()) return t;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(at_ - Clock::now());
  if (left.count() < 0) left = std::chrono::milliseconds(0);
  return std::min(t, left);
}

void Deadline::extend(Clock::duration d) {
  if (!never()) at_ += d;
}

bool wait_fd(int fd, short events, std::chrono::steady_clock::time_point until) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

Status write_all_timed(int fd, std::string_view data, std::chrono::milliseconds stall,
                       const Deadline& deadline) {
  bool socket = true;
  while (!data.empty()) {
    ssize_t n = write_once(fd, data, socket);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return fail_sys("unable to write");
    if (n < 0 && errno == EINTR) continue;
    // Full: wait until the client takes some, within the stall time and the deadline.
    if (deadline.passed()) return fail("session time limit reached while writing", kWriteDeadline);
    auto wait = deadline.cap(stall);
    pollfd p{fd, POLLOUT, 0};
    int r;
    do r = ::poll(&p, 1, static_cast<int>(wait.count()));
    while (r < 0 && errno == EINTR);
    if (r < 0) return fail_sys("unable to poll");
    if (r == 0) {
      if (deadline.passed()) return fail("session time limit reached while writing", kWriteDeadline);
      return fail("write timeout: the client took nothing for " + std::to_string(stall.count() / 1000) + " s",
                  kWriteStalled);
    }
  }
  return {};
}

}  // namespace posta
