// Time limits of a client session: the overall deadline, and writes that give up when the
// client stops reading (a blocked write() would otherwise hold the process forever).
#pragma once
#include <chrono>
#include <string_view>

#include "base/error.h"

namespace posta {

// The moment a session must end; "never" by default.
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  Deadline() = default;
  // limit <= 0: never.
  static Deadline after(std::chrono::seconds limit);
  // A session that spans several processes (pre-auth server, posta-auth, post-auth server):
  // the moment passed in POSTA_SESSION_DEADLINE by the predecessor when that is sooner than
  // after(limit); the variable is set to the result for successors.
  static Deadline inherited(std::chrono::seconds limit);
  // Sets POSTA_SESSION_DEADLINE to this deadline (removes it for "never").
  void export_env() const;

  bool never() const { return at_ == Clock::time_point::max(); }
  bool passed() const { return !never() && Clock::now() >= at_; }
  // t, or what is left when that is less (zero once passed).
  std::chrono::milliseconds cap(std::chrono::milliseconds t) const;
  // Moves the deadline later by d (time a session spends in IMAP IDLE does not count).
  void extend(Clock::duration d);

 private:
  Clock::time_point at_ = Clock::time_point::max();
};

// Waits until fd is ready for events (poll(2)) or the moment passes; false on timeout or
// a poll error.
bool wait_fd(int fd, short events, std::chrono::steady_clock::time_point until);

// Error codes of write_all_timed: no progress for the stall time, or the deadline passed.
inline constexpr int kWriteStalled = ETIMEDOUT;
inline constexpr int kWriteDeadline = ETIME;

// Writes everything to fd, blocking or not, giving up when no byte could be written for
// `stall` or when the deadline passes. Never blocks in write() itself: sockets are written
// with MSG_DONTWAIT, other descriptors with O_NONBLOCK set for the call. SIGPIPE is not
// raised for sockets (EPIPE is an error like any other).
[[nodiscard]] Status write_all_timed(int fd, std::string_view data, std::chrono::milliseconds stall,
                                     const Deadline& deadline = {});

}  // namespace posta
