// posta-tlsd -D: the long-lived shape. One libevent loop holds every TLS session of the
// instance; posta-tcpd hands each connection over the unix socket: one message per
// connection, "posta-tlsd 1 implicit|starttls REMOTEIP" with three fds attached (client
// socket, data end, control end). See posta-tlsd(8), "DAEMON MODE".
#include <event2/event.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <cstring>
#include <sstream>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "net/fdpass.h"
#include "proc/privilege.h"
#include "proc/socket_group.h"
#include "tls/tls_store.h"
#include "tlsd_relay.h"

namespace posta::tlsd {
namespace {

constexpr int kHandoffTimeout = 5;  // seconds for tcpd's message to arrive after connect

struct Handoff {
  bool implicit = false;
  std::string remote;
};

std::optional<Handoff> parse_header(const std::string& header) {
  std::istringstream in(header);
  std::string magic, version, mode, remote, extra;
  if (!(in >> magic >> version >> mode >> remote) || (in >> extra)) return std::nullopt;
  if (magic != "posta-tlsd" || version != "1") return std::nullopt;
  if (mode != "implicit" && mode != "starttls") return std::nullopt;
  return Handoff{mode == "implicit", log::printable(remote, 64)};
}

class Sessions {
 public:
  Sessions(const Options& o, Fd listener, std::optional<gid_t> group)
      : o_(o), listener_(std::move(listener)), group_(group), store_(tls_config(o)) {}
  [[nodiscard]] Status start(Daemon& d);
  void loop() { event_base_dispatch(base_.get()); }

 private:
  static void on_accept(evutil_socket_t, short, void* self);
  static void on_handoff(evutil_socket_t fd, short what, void* self);
  static void on_reap(evutil_socket_t, short, void* self);
  void accept_some();
  void receive(int fd);
  void begin(const Handoff& h, std::vector<Fd> fds);
  void reload();
  void on_signal(int sig);

  const Options& o_;
  Fd listener_;
  std::optional<gid_t> group_;
  TlsStore store_;
  EventBasePtr base_;
  EventPtr accept_ev_, reap_ev_, signal_ev_;
  std::map<Relay*, std::unique_ptr<Relay>> relays_;
  std::vector<Relay*> dead_;
  std::map<int, std::pair<Fd, EventPtr>> waiting_;  // handoffs whose message is not here yet
};

Status Sessions::start(Daemon& d) {
  if (auto s = store_.reload(); !s) return s;
  base_ = new_event_base();
  if (!base_) return fail("unable to create the event loop");
  accept_ev_.reset(event_new(base_.get(), listener_.get(), EV_READ | EV_PERSIST, on_accept, this));
  reap_ev_.reset(event_new(base_.get(), -1, 0, on_reap, this));
  if (!accept_ev_ || !reap_ev_ || event_add(accept_ev_.get(), nullptr) != 0)
    return fail("unable to watch the socket");
  auto sig = watch_signals(base_.get(), d, [this](int s) { on_signal(s); });
  if (!sig) return std::unexpected(sig.error());
  signal_ev_ = std::move(*sig);
  return {};
}

void Sessions::on_accept(evutil_socket_t, short, void* self) { static_cast<Sessions*>(self)->accept_some(); }

void Sessions::accept_some() {
  for (int i = 0; i < 64; ++i) {
    Fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!conn) {
      if (errno == EMFILE || errno == ENFILE) log::warning("unable to accept: ", std::strerror(errno));
      return;
    }
    // only posta-tcpd may hand over connections: root, our own user, or the socket's group
    if (auto peer = net::allowed_peer(conn.get(), group_); !peer) {
      log::warning(peer.error().what);
      continue;
    }
    int fd = conn.get();
    EventPtr ev(event_new(base_.get(), fd, EV_READ, on_handoff, this));
    timeval t{kHandoffTimeout, 0};
    if (!ev || event_add(ev.get(), &t) != 0) continue;
    waiting_[fd] = {std::move(conn), std::move(ev)};
  }
}

void Sessions::on_handoff(evutil_socket_t fd, short what, void* self) {
  auto* d = static_cast<Sessions*>(self);
  if (what & EV_TIMEOUT) log::warning("no connection handed over within ", kHandoffTimeout, " seconds");
  else d->receive(fd);
  d->waiting_.erase(fd);
}

void Sessions::receive(int fd) {
  auto msg = net::recv_fds(fd);
  if (!msg) return log::warning("bad handoff: ", msg.error().what);
  auto h = parse_header(msg->header);
  if (!h || msg->fds.size() != 3)
    return log::warning("bad handoff: ", log::printable(msg->header, 80), " with ", msg->fds.size(), " fds");
  begin(*h, std::move(msg->fds));
}

void Sessions::begin(const Handoff& h, std::vector<Fd> fds) {
  RelayParams p{h.implicit,        o_.handshake_timeout, o_.idle_timeout, std::move(fds[0]),
                std::move(fds[1]), std::move(fds[2]),    h.remote,        false,
                o_.write_timeout,  o_.session_limit};
  auto relay = std::make_unique<Relay>(
      std::move(p), store_.default_ctx(), base_.get(), nullptr, nullptr);
  Relay* r = relay.get();
  r->set_done([this, r](const Status&) {
    dead_.push_back(r);
    event_active(reap_ev_.get(), 0, 0);
  });
  if (auto s = r->start(); !s) return log::error(h.remote, ": ", s.error().what);
  relays_.emplace(r, std::move(relay));
}

// Relays end inside their own callbacks; they are freed here, outside them.
void Sessions::on_reap(evutil_socket_t, short, void* self) {
  auto* d = static_cast<Sessions*>(self);
  for (Relay* r : d->dead_) d->relays_.erase(r);
  d->dead_.clear();
}

void Sessions::reload() {
  if (auto s = store_.reload(); !s)
    return log::warning("certificates not reloaded, keeping the old ones: ", s.error().what);
  log::info("certificates reloaded: default and ", store_.names(), " per-name");
}

void Sessions::on_signal(int sig) {
  if (sig == SIGHUP) return reload();
  log::info("stopping: closing ", relays_.size(), " sessions");
  event_base_loopbreak(base_.get());
}

// Three fds per session: use every fd the hard limit allows.
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == r.rlim_max) return;
  r.rlim_cur = r.rlim_max;
  (void)::setrlimit(RLIMIT_NOFILE, &r);
}

// As root: the socket goes to the key holder (-U, else the instance owner) and the -G
// group, then we become the key holder for good.
Status give_socket_and_drop(const Options& o, std::optional<gid_t> group, const std::string& made_dir) {
  if (::geteuid() != 0) {
    if (group && ::chown(o.daemon_socket.c_str(), static_cast<uid_t>(-1), *group) != 0)
      return fail_sys("unable to give " + o.daemon_socket + " to group " + o.socket_group);
    return {};
  }
  Credentials id;
  if (!o.tls_user.empty()) {
    auto r = lookup_credentials(o.tls_user);
    if (!r) return std::unexpected(r.error());
    id = *r;
  } else {
    auto owner = instance_owner(posta_home());
    if (!owner || owner->uid == 0) {
      log::warning("holding the TLS key as root; use -U USER");
      return {};
    }
    id = *owner;
  }
  if (::chown(o.daemon_socket.c_str(), id.uid, group ? *group : id.gid) != 0)
    return fail_sys("unable to chown " + o.daemon_socket);
  if (!made_dir.empty() && ::chown(made_dir.c_str(), id.uid, group ? *group : id.gid) != 0)
    return fail_sys("unable to chown " + made_dir);
  return assume(id);
}

}  // namespace

int run_daemon(const Options& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGHUP, SIGTERM, SIGINT});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  raise_fd_limit();
  // Relay buffers come and go by the 16-128 KB: without this, glibc would mmap/munmap (or
  // brk up and down) for nearly every chunk relayed, and fault the pages in each time.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 4 << 20);
  OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  auto gid = socket_group(o.socket_group);
  if (!gid) log::fatal(kExitTemporary, gid.error().what);
  std::optional<gid_t> group = *gid;
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(o.daemon_socket).parent_path();
  std::string made_dir;  // created here (one level, e.g. $POSTA_HOME/run): given away below
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    made_dir = dir.string();
    std::filesystem::create_directories(dir, ec);
    if (ec) log::fatal(kExitTemporary, "unable to create " + dir.string() + ": " + ec.message());
  }
  auto listener = net::listen_unix(o.daemon_socket, group ? 0660 : 0600);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  if (auto s = give_socket_and_drop(o, group, made_dir); !s) log::fatal(kExitTemporary, s.error().what);
  Sessions sessions(o, std::move(*listener), group);
  if (auto s = sessions.start(*daemon); !s) log::fatal(kExitTemporary, s.error().what);
  log::info("listening on ", o.daemon_socket);
  daemon->ready();
  sessions.loop();
  ::unlink(o.daemon_socket.c_str());
  return kExitOk;
}

}  // namespace posta::tlsd
