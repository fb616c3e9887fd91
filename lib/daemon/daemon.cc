#include "daemon/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <utility>

#include "log/log.h"

namespace posta {
namespace {

// The handler's whole state: the self-pipe's write end and the process it belongs to.
std::atomic<int> g_signal_write{-1};
std::atomic<pid_t> g_signal_owner{0};
sigset_t g_routed;  // the signals the live Daemon routes (written before any is)

extern "C" void route_signal(int sig) {
  int saved = errno;
  if (::getpid() != g_signal_owner.load()) {
    // A child between fork and exec: it gets the default action, as it will after exec,
    // and never writes into its parent's pipe.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  } else {
    unsigned char n = static_cast<unsigned char>(sig);
    (void)!::write(g_signal_write.load(), &n, 1);  // a full pipe already wakes the loop
  }
  errno = saved;
}

void restore_defaults() {
  for (int sig = 1; sig < NSIG; ++sig)
    if (sigismember(&g_routed, sig) == 1) ::signal(sig, SIG_DFL);
  sigemptyset(&g_routed);
  int w = g_signal_write.exchange(-1);
  if (w >= 0) ::close(w);
}

}  // namespace

Result<Daemon> Daemon::start(Readiness readiness, std::initializer_list<int> signals) {
  ensure_std_fds();
  Daemon d;
  if (readiness.fd || readiness.notification_file) d.readiness_ = readiness_fd(readiness.fd);
  ignore_sigpipe();
  if (signals.size() == 0) return d;
  if (g_signal_write.load() >= 0) return fail("signals are already routed to another Daemon");
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return fail_sys("unable to create the signal pipe");
  d.signals_ = Fd(p[0]);
  g_signal_write = p[1];
  g_signal_owner = ::getpid();
  d.routed_ = true;
  sigemptyset(&g_routed);
  for (int sig : signals) sigaddset(&g_routed, sig);
  struct sigaction sa {};
  sa.sa_handler = route_signal;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  for (int sig : signals)
    if (::sigaction(sig, &sa, nullptr) != 0) return fail_sys("unable to route signal " + std::to_string(sig));
  return d;
}

Daemon::Daemon(Daemon&& o) noexcept
    : readiness_(std::exchange(o.readiness_, std::nullopt)), signals_(std::move(o.signals_)),
      routed_(std::exchange(o.routed_, false)) {}

Daemon& Daemon::operator=(Daemon&& o) noexcept {
  if (this != &o) {
    if (routed_) restore_defaults();
    readiness_ = std::exchange(o.readiness_, std::nullopt);
    signals_ = std::move(o.signals_);
    routed_ = std::exchange(o.routed_, false);
  }
  return *this;
}

Daemon::~Daemon() {
  if (routed_) restore_defaults();
  if (readiness_) ::close(*readiness_);
}

int Daemon::signal_fd() const { return signals_.get(); }

std::optional<int> Daemon::next_signal() {
  if (!signals_) return std::nullopt;
  unsigned char n;
  for (;;) {
    ssize_t got = ::read(signals_.get(), &n, 1);
    if (got == 1) return n;
    if (got < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
}

std::optional<int> Daemon::wait_signal(int timeout_ms) {
  if (auto sig = next_signal()) return sig;
  if (!signals_) return std::nullopt;
  pollfd p{signals_.get(), POLLIN, 0};
  // EINTR: the handler that interrupted us has written its signal by now
  if (::poll(&p, 1, timeout_ms) == 0) return std::nullopt;
  return next_signal();
}

void Daemon::ready() {
  if (!readiness_) return;
  (void)write_all(*readiness_, "\n");
  ::close(*readiness_);
  readiness_.reset();
}

namespace {

struct SignalWatch {
  Daemon* daemon;
  std::function<void(int)> on_signal;
};

void on_signal_fd(evutil_socket_t, short, void* arg) {
  auto* w = static_cast<SignalWatch*>(arg);
  while (auto sig = w->daemon->next_signal()) w->on_signal(*sig);
}

}  // namespace

Result<EventPtr> watch_signals(event_base* base, Daemon& d, std::function<void(int)> on_signal) {
  if (d.signal_fd() < 0) return fail("no signals are routed");
  // One watch per process, freed with the process: the event holds a pointer to it.
  static SignalWatch watch;
  watch = SignalWatch{&d, std::move(on_signal)};
  EventPtr ev(event_new(base, d.signal_fd(), EV_READ | EV_PERSIST, on_signal_fd, &watch));
  if (!ev || event_add(ev.get(), nullptr) != 0) return fail("unable to watch the signal pipe");
  return ev;
}

SignalsBlocked::SignalsBlocked() { ::pthread_sigmask(SIG_BLOCK, &g_routed, &old_); }

SignalsBlocked::~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

std::optional<int> readiness_fd(std::optional<int> given) {
  std::optional<int> fd = given;
  if (!fd) {
    auto s = read_file("notification-fd", 64);
    if (!s) return std::nullopt;
    int n = -1;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    fd = n;
  }
  // A supervisor without readiness support (daemontools' supervise) leaves the descriptor
  // closed; the number is then free for our own sockets and must never be written to.
  if (*fd <= 2 || ::fcntl(*fd, F_GETFD) < 0) {
    log::warning("readiness fd ", *fd, " is not open: running without readiness notification");
    return std::nullopt;
  }
  set_cloexec(*fd, true);
  return fd;
}

void ensure_std_fds() {
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) < 0) {
      int n = ::open("/dev/null", O_RDWR);
      if (n >= 0 && n != fd) ::close(n);
    }
}

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace posta
