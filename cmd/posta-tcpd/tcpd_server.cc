// posta-tcpd's event loop: accept, check rules and limits, spawn, reap, signals.
// run() follows the daemon skeleton (lib/daemon/daemon.h): start, bind, drop privileges,
// read rules, readiness, loop.
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "base/exitcode.h"
#include "event/event_ptr.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "net/rules.h"
#include "proc/child.h"
#include "proc/privilege.h"
#include "tcpd.h"
#include "tcpd_pool.h"
#include "tcpd_spawn.h"
#include "tcpd_tls.h"

namespace posta::tcpd {

namespace {

struct Conn {
  net::Endpoint remote;
};

// -M implicit: a connection whose TLS handshake posta-tlsd is doing; no child yet.
struct Waiting {
  std::unique_ptr<TlsWait> wait;
  TlsdEnds ends;
  std::vector<std::string> env;
  net::Endpoint remote, local;
};

class Server {
 public:
  Server(const Config& c, Fd listener) : cfg_(c), listener_(std::move(listener)) {}
  [[nodiscard]] Status start(Daemon& d);
  int loop();

 private:
  static void on_accept(evutil_socket_t, short, void* self);
  static void on_grace(evutil_socket_t, short, void* self);
  static void on_resume(evutil_socket_t, short, void* self);
  void pause_for_a_second();
  void resume();
  void accept_some();
  void handle(Fd sock);
  void launch(const std::vector<std::string>& env, int data, const net::Endpoint& remote,
              const net::Endpoint& local);
  void hand_over(int sock, std::vector<std::string> env, const net::Endpoint& remote,
                 const net::Endpoint& local);
  void tls_done(TlsWait* w, Result<TlsInfo> info);
  void forget_ip(const net::IpAddr& ip);
  // What -C counts: the address, or for IPv6 its -P prefix.
  net::IpAddr key(const net::IpAddr& ip) const { return net::limit_key(ip, cfg_.v6prefix); }
  long active() const {
    return static_cast<long>(children_.size() + waiting_.size()) + (pool_ ? pool_->busy() : 0);
  }
  size_t processes() const { return children_.size() + (pool_ ? pool_->processes() : 0); }
  void reap();
  void conn_ended(pid_t pid, const net::Endpoint& remote, const std::string& how);
  void after_end();
  void stop();
  void reload();
  void on_signal(int sig);
  void pause_if_full();
  std::string count() const { return log::cat(active(), "/", cfg_.maxconn); }

  Config cfg_;
  Fd listener_;
  EventBasePtr base_;
  EventPtr accept_ev_, grace_ev_, resume_ev_, signal_ev_;
  net::Rules rules_;
  ChildEnv env_;
  std::map<pid_t, Conn> children_;  // one per connection (without -R)
  std::unique_ptr<ServerPool> pool_;  // -R
  std::map<TlsWait*, Waiting> waiting_;
  std::map<net::IpAddr, long> per_ip_;  // by key()
  bool accepting_ = false, stopping_ = false, grace_over_ = false;
};

Status Server::start(Daemon& d) {
  base_.reset(event_base_new());
  if (!base_) return fail("unable to create event base");
  accept_ev_.reset(event_new(base_.get(), listener_.get(), EV_READ | EV_PERSIST, on_accept, this));
  auto sig = watch_signals(base_.get(), d, [this](int s) { on_signal(s); });
  if (!sig) return std::unexpected(sig.error());
  signal_ev_ = std::move(*sig);
  if (!accept_ev_ || event_add(accept_ev_.get(), nullptr) != 0) return fail("unable to watch socket");
  accepting_ = true;
  if (cfg_.reuse > 0) {
    pool_ = std::make_unique<ServerPool>(
        base_.get(), cfg_.argv, cfg_.reuse,
        [this](pid_t pid, const net::Endpoint& remote, const std::string& how) { conn_ended(pid, remote, how); });
    if (auto s = pool_->start(); !s) return s;
  }
  if (!cfg_.rules.empty()) {
    auto r = net::Rules::load(cfg_.rules);
    if (!r) return std::unexpected(r.error());
    rules_ = std::move(*r);
  }
  return {};
}

int Server::loop() {
  event_base_dispatch(base_.get());
  log::info("stopped");
  return kExitOk;
}

void Server::on_accept(evutil_socket_t, short, void* self) { static_cast<Server*>(self)->accept_some(); }

void Server::accept_some() {
  // a bounded batch, so that SIGCHLD and signals get their turn under a flood
  for (int i = 0; i < 64 && accepting_; ++i) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // the socket stays readable: pause for a second instead of spinning
        log::warning("unable to accept: ", std::strerror(errno), "; pausing 1 second");
        pause_for_a_second();
      }
      return;
    }
    // Servers write whole replies; without TCP_NODELAY the tail of a reply larger than a
    // segment waits for the client's delayed ACK (40 ms per POP3 RETR or IMAP FETCH).
    int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    handle(Fd(fd));
  }
}

void Server::handle(Fd sock) {
  sockaddr_storage rs{}, ls{};
  socklen_t rl = sizeof rs, ll = sizeof ls;
  if (::getpeername(sock.get(), reinterpret_cast<sockaddr*>(&rs), &rl) != 0 ||
      ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&ls), &ll) != 0)
    return;  // the client is already gone
  auto remote = net::endpoint_of(reinterpret_cast<sockaddr*>(&rs), rl);
  auto local = net::endpoint_of(reinterpret_cast<sockaddr*>(&ls), ll);
  if (!remote || !local) return;
  std::string who = log::cat(remote->ip.str(), ":", remote->port);
  const net::Rule* rule = rules_.match(remote->ip);
  if (rule && !rule->allow) {
    log::info("deny ", who, " rule line ", rule->line, " (", rule->text.empty() ? "*" : rule->text, ")");
    return;
  }
  // Children that exited since the last SIGCHLD turn still count until reaped, and under a
  // flood of connections the accepts come first: collect them before refusing anyone.
  if (auto p = per_ip_.find(key(remote->ip)); p != per_ip_.end() && p->second >= cfg_.maxperip) {
    if (pool_) pool_->collect_done();
    reap();
  }
  long& n = per_ip_[key(remote->ip)];
  if (n >= cfg_.maxperip) {
    log::warning("maxperip ", who, ": closed, ", n, "/", cfg_.maxperip, " from this ",
                 remote->ip.family == AF_INET6 ? log::cat("/", cfg_.v6prefix, " network") : "address");
    if (n == 0) per_ip_.erase(key(remote->ip));
    // Best effort and never blocking: a fresh socket's send buffer takes one short line.
    if (!cfg_.busy.empty()) (void)::send(sock.get(), (cfg_.busy + "\r\n").data(), cfg_.busy.size() + 2, MSG_DONTWAIT | MSG_NOSIGNAL);
    return;
  }
  static const std::vector<std::pair<std::string, std::string>> kNone;
  auto env = env_.connection(*local, *remote, rule ? rule->env : kNone);
  if (!cfg_.tls_socket.empty()) return hand_over(sock.get(), std::move(env), *remote, *local);
  launch(env, sock.get(), *remote, *local);
}

// Starts PROGRAM for a connection (or with -R hands it to a server), counted from here on,
// or logs why not. env: the connection's variables.
void Server::launch(const std::vector<std::string>& env, int data,
                    const net::Endpoint& remote, const net::Endpoint& local) {
  std::string who = log::cat(remote.ip.str(), ":", remote.port);
  auto pid = pool_ ? pool_->serve(data, env_.base(), env, remote)
                   : spawn_child(cfg_.argv, env_.with(env), data);
  if (!pid) {
    log::error(who, ": ", pid.error().what);
    if (per_ip_[key(remote.ip)] == 0) per_ip_.erase(key(remote.ip));
    return;
  }
  ++per_ip_[key(remote.ip)];
  if (!pool_) children_[*pid] = Conn{remote};
  log::info("start ", *pid, " ", who, " -> ", local.ip.str(), ":", local.port, " conn ", count());
  pause_if_full();
}

// -T -M starttls: the server gets the client socket itself and hands it to posta-tlsd only
// if the client asks for STARTTLS (POSTA_TLSD_SOCKET, lib/tls/tls_control.h), so a plain
// session costs no relay. -M implicit: posta-tlsd gets the client at once and the server is
// started on plain socketpairs once the handshake is done (with SSL_* in its environment).
void Server::hand_over(int sock, std::vector<std::string> env, const net::Endpoint& remote,
                       const net::Endpoint& local) {
  if (!cfg_.tls_implicit) {
    env.push_back("POSTA_TLSD_SOCKET=" + cfg_.tls_socket);
    return launch(env, sock, remote, local);
  }
  std::string who = log::cat(remote.ip.str(), ":", remote.port);
  auto ends = hand_to_tlsd(cfg_.tls_socket, true, sock, remote.ip.str());
  if (!ends) {
    log::warning(who, ": closed: posta-tlsd unreachable: ", ends.error().what);
    if (per_ip_[key(remote.ip)] == 0) per_ip_.erase(key(remote.ip));
    return;
  }
  auto wait = std::make_unique<TlsWait>(base_.get(), ends->control.get());
  TlsWait* w = wait.get();
  if (auto s = w->start([this, w](Result<TlsInfo> info) { tls_done(w, std::move(info)); }); !s) {
    log::error(who, ": ", s.error().what);
    if (per_ip_[key(remote.ip)] == 0) per_ip_.erase(key(remote.ip));
    return;
  }
  ++per_ip_[key(remote.ip)];
  waiting_.emplace(w, Waiting{std::move(wait), std::move(*ends), std::move(env), remote, local});
  pause_if_full();
}

void Server::tls_done(TlsWait* w, Result<TlsInfo> info) {
  auto node = waiting_.extract(w);  // owns the TlsWait until we return
  if (node.empty()) return;
  Waiting& c = node.mapped();
  forget_ip(c.remote.ip);
  if (!info) {
    log::info("tls ", c.remote.ip.str(), ":", c.remote.port, ": no server started: ", info.error().what);
    return reap();  // may resume accepting
  }
  for (auto& e : tls_env_vars(*info)) c.env.push_back(e);
  launch(c.env, c.ends.data.get(), c.remote, c.local);
}

void Server::forget_ip(const net::IpAddr& ip) {
  if (auto p = per_ip_.find(key(ip)); p != per_ip_.end() && --p->second <= 0) per_ip_.erase(p);
}

void Server::pause_for_a_second() {
  if (accepting_) event_del(accept_ev_.get());
  accepting_ = false;
  if (!resume_ev_) resume_ev_.reset(evtimer_new(base_.get(), on_resume, this));
  timeval tv{1, 0};
  if (resume_ev_) evtimer_add(resume_ev_.get(), &tv);
}

void Server::on_resume(evutil_socket_t, short, void* self) { static_cast<Server*>(self)->resume(); }

// Accepting again, unless stopping or full (then reap() resumes when a child exits).
void Server::resume() {
  if (stopping_ || accepting_ || active() >= cfg_.maxconn) return;
  if (event_add(accept_ev_.get(), nullptr) == 0) accepting_ = true;
}

void Server::pause_if_full() {
  if (accepting_ && active() >= cfg_.maxconn) {
    event_del(accept_ev_.get());
    accepting_ = false;
    log::warning("maxconn ", cfg_.maxconn, " reached: not accepting");
  }
}

void Server::reap() {
  int st;
  pid_t pid;
  while ((pid = ::waitpid(-1, &st, WNOHANG)) > 0) {
    if (pool_ && pool_->exited(pid, st)) continue;
    auto it = children_.find(pid);
    if (it == children_.end()) continue;
    auto ip = it->second.remote.ip;
    log::info("end ", pid, " ", ip.str(), ":", it->second.remote.port, " ",
              decode_wait_status(st).describe(), " conn ", active() - 1, "/", cfg_.maxconn);
    children_.erase(it);
    forget_ip(ip);
  }
  after_end();
}

// -R: a server said "done", or exited while it had a connection.
void Server::conn_ended(pid_t pid, const net::Endpoint& remote, const std::string& how) {
  log::info("end ", pid, " ", remote.ip.str(), ":", remote.port, " ", how, " conn ", active(), "/",
            cfg_.maxconn);
  forget_ip(remote.ip);
  after_end();
}

// A connection or a child is gone: stopped when stopping and nothing is left, else
// accepting again when there is room.
void Server::after_end() {
  if (stopping_) {
    if (active() == 0 && processes() == 0) event_base_loopbreak(base_.get());
    return;
  }
  bool paused = resume_ev_ && evtimer_pending(resume_ev_.get(), nullptr);
  if (!accepting_ && !paused && active() < cfg_.maxconn) {
    resume();
    if (accepting_) log::info("accepting again, conn ", count());
  }
}

void Server::stop() {
  if (stopping_) return;
  stopping_ = true;
  if (accepting_) event_del(accept_ev_.get());
  accepting_ = false;
  listener_.reset();  // new clients get "connection refused" at once
  waiting_.clear();  // handshakes not finished: their clients are dropped
  if (pool_) pool_->stop();
  log::info("stopping: waiting for ", processes(), " children");
  if (processes() == 0) {
    event_base_loopbreak(base_.get());
    return;
  }
  if (cfg_.timeout > 0) {
    grace_ev_.reset(evtimer_new(base_.get(), on_grace, this));
    timeval tv{cfg_.timeout, 0};
    if (grace_ev_) evtimer_add(grace_ev_.get(), &tv);
  }
}

void Server::on_grace(evutil_socket_t, short, void* self) {
  auto* s = static_cast<Server*>(self);
  int sig = s->grace_over_ ? SIGKILL : SIGTERM;
  log::warning("grace period over: sending ", sig == SIGKILL ? "SIGKILL" : "SIGTERM", " to ",
               s->processes(), " children");
  for (auto& [pid, c] : s->children_) ::kill(pid, sig);
  if (s->pool_) s->pool_->signal_all(sig);
  if (!s->grace_over_) {
    s->grace_over_ = true;
    timeval tv{s->cfg_.timeout, 0};
    evtimer_add(s->grace_ev_.get(), &tv);
  }
}

void Server::reload() {
  if (cfg_.rules.empty()) return;
  auto r = net::Rules::load(cfg_.rules);
  if (!r) {
    log::warning("rules not reloaded, keeping the old ones: ", r.error().what);
    return;
  }
  rules_ = std::move(*r);
  log::info("rules reloaded from ", cfg_.rules, ": ", rules_.size(), " rules");
}

void Server::on_signal(int sig) {
  switch (sig) {
    case SIGCHLD: reap(); break;
    case SIGHUP: reload(); break;
    default: stop(); break;
  }
}

}  // namespace

int run(const Config& c) {
  // fds 0-2 checked first: an accepted socket must never land on them.
  auto daemon = Daemon::start({c.notify_fd}, {SIGCHLD, SIGTERM, SIGINT, SIGHUP});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  auto sock = listen_on(c.host, c.port, static_cast<int>(c.backlog));
  if (!sock) log::fatal(kExitTemporary, sock.error().what);
  if (auto s = drop_to(c.user, c.group); !s) log::fatal(kExitTemporary, s.error().what);
  Server server(c, std::move(*sock));
  if (auto s = server.start(*daemon); !s) log::fatal(kExitTemporary, s.error().what);
  log::info("listening on ", c.host, " port ", c.port, " maxconn ", c.maxconn, " maxperip ",
            c.maxperip, " (IPv6 per /", c.v6prefix, ")", c.rules.empty() ? "" : " rules " + c.rules);
  daemon->ready();
  return server.loop();
}

}  // namespace posta::tcpd
