// The daemon skeleton: how every resident posta program (posta-tcpd, posta-tlsd -D,
// posta-authd, posta-queued, posta-send, posta-lspawn, posta-rspawn) starts, sees signals
// and stops. run() follows one order:
//
//   1. auto d = Daemon::start({notify_fd}, {SIGTERM, SIGINT, SIGHUP, ...});
//        fds 0-2 open (else /dev/null), the readiness fd taken, SIGPIPE ignored, and the
//        signals listed routed to d.signal_fd(). First thing, before any fd is opened.
//   2. open what needs the starting identity (listening sockets, databases), then drop
//      privileges through lib/proc/privilege.h (assume, drop_to, become_instance_owner).
//   3. d.ready() once serving.
//   4. the loop watches d.signal_fd() (poll, or watch_signals() with libevent) and takes
//      each signal from d.next_signal(). Signals never run daemon code in a handler.
//
// Stop sequence, the same in every daemon: SIGTERM (and SIGINT) stops accepting new work at
// once; work in flight finishes or is handed back, as each daemon's page says; then exit 0.
// SIGHUP rereads configuration where a daemon has any. A daemon with nothing to stop (the
// spawners, which end with their input) routes no signals and keeps the default actions.
#pragma once
#include <event2/event.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "event/event_ptr.h"
#include "io/fd.h"
#include "proc/privilege.h"

namespace posta {

// Where the readiness fd comes from (readiness_fd()).
struct Readiness {
  std::optional<int> fd;          // -d
  bool notification_file = true;  // without -d: the number in ./notification-fd, if any
};

class Daemon {
 public:
  // Step 1 of the skeleton. Fails only when the signals cannot be routed. One Daemon per
  // process.
  [[nodiscard]] static Result<Daemon> start(Readiness readiness, std::initializer_list<int> signals);
  Daemon(Daemon&&) noexcept;
  Daemon& operator=(Daemon&&) noexcept;
  ~Daemon();  // signals back to their default actions

  // Readable while a routed signal is pending; -1 when none are routed.
  int signal_fd() const;
  // The next pending signal; nullopt when none is (never blocks).
  std::optional<int> next_signal();
  // Waits up to timeout_ms (-1: for ever) for a signal; nullopt on timeout.
  std::optional<int> wait_signal(int timeout_ms);

  // s6 readiness: writes "\n" to the readiness fd and closes it; nothing when there is none.
  void ready();
  bool has_readiness() const { return readiness_.has_value(); }

 private:
  Daemon() = default;
  std::optional<int> readiness_;
  Fd signals_;  // read end of the self-pipe the handler writes signal numbers to
  bool routed_ = false;
};

// libevent loops: calls on_signal(sig) from the loop for each signal d routes. The event
// must not outlive d.
[[nodiscard]] Result<EventPtr> watch_signals(event_base* base, Daemon& d, std::function<void(int)> on_signal);

// Worker threads: while one of these lives, the calling thread has the daemon's signals
// blocked, and threads it starts inherit that, so that signals reach the loop's thread and
// never interrupt a worker's system call.
class SignalsBlocked {
 public:
  SignalsBlocked();
  ~SignalsBlocked();
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t old_;
};

// s6 readiness: the fd given (e.g. by -d), else the number in ./notification-fd if the
// supervisor asked for one; nullopt when nobody listens. An fd that is not open (daemontools,
// or a run script started by hand) gives nullopt and one warning. Call it before the program
// opens any descriptor of its own, so that a closed readiness fd is never mistaken for one.
// The fd returned is close-on-exec. Daemon::start() calls it; posta-start, which passes
// readiness on to posta-send, calls it directly.
std::optional<int> readiness_fd(std::optional<int> given);

// fds 0-2 open: a closed one becomes /dev/null, so that no socket of ours lands on it.
void ensure_std_fds();

// SIGPIPE ignored: writes to a closed peer return EPIPE instead of killing us.
void ignore_sigpipe();

}  // namespace posta
