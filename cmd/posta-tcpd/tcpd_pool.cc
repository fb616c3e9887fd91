#include "tcpd_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"
#include "net/fdpass.h"
#include "net/reuse.h"
#include "proc/child.h"
#include "tcpd_spawn.h"

namespace posta::tcpd {

Status ServerPool::start() {
  auto n = open_fd("/dev/null", O_RDWR);
  if (!n) return std::unexpected(n.error());
  devnull_ = std::move(*n);
  tick_.reset(event_new(base_, -1, EV_PERSIST, on_tick, this));
  timeval second{1, 0};
  if (!tick_ || event_add(tick_.get(), &second) != 0) return fail("unable to set up a timer");
  return {};
}

Result<pid_t> ServerPool::serve(int sock, const std::vector<std::string>& base_env,
                                const std::vector<std::string>& conn_env,
                                const net::Endpoint& remote) {
  Server* s = nullptr;
  // a "done" still unread beats starting a process (a client that reconnects at once)
  if (idle_.empty()) collect_done();
  while (!idle_.empty() && !s) {
    Server* idle = idle_.back();
    idle_.pop_back();
    if (auto st = net::send_conn(idle->control.get(), sock, conn_env); st) {
      s = idle;
    } else {
      log::warning("server ", idle->pid, " not reused: ", st.error().what);
      retire(*idle);
    }
  }
  if (!s) {
    auto fresh = spawn(base_env);
    if (!fresh) return std::unexpected(fresh.error());
    if (auto st = net::send_conn((*fresh)->control.get(), sock, conn_env); !st) {
      retire(**fresh);  // it sees end of file and exits
      return std::unexpected(st.error());
    }
    s = *fresh;
  }
  s->conn = remote;
  ++s->uses;
  ++busy_;
  return s->pid;
}

Result<ServerPool::Server*> ServerPool::spawn(const std::vector<std::string>& base_env) {
  auto pair = net::socket_pair(SOCK_SEQPACKET);
  if (!pair) return std::unexpected(pair.error());
  auto env = net::overlay_env(base_env, {std::string(net::kReuseEnvName) + "=1"});
  auto pid = spawn_child(argv_, env, devnull_.get(), pair->second.get());
  if (!pid) return std::unexpected(pid.error());
  auto s = std::make_unique<Server>();
  s->pool = this;
  s->pid = *pid;
  s->control = std::move(pair->first);
  s->ev.reset(event_new(base_, s->control.get(), EV_READ | EV_PERSIST, on_control, s.get()));
  if (!s->ev || event_add(s->ev.get(), nullptr) != 0) {
    // without its control socket it exits at once; SIGCHLD forgets it
    s->ev.reset();
    s->control.reset();
  }
  Server* raw = s.get();
  servers_[*pid] = std::move(s);
  if (!raw->control) return fail("unable to watch a server's control socket");
  return raw;
}

void ServerPool::on_control(evutil_socket_t, short, void* self) {
  auto* s = static_cast<Server*>(self);
  s->pool->control_readable(*s);
}

void ServerPool::control_readable(Server& s) {
  char buf[64];
  ssize_t n = ::recv(s.control.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  bool done = n == static_cast<ssize_t>(net::kDoneRecord.size()) &&
              std::string_view(buf, static_cast<size_t>(n)) == net::kDoneRecord;
  if (!done || !s.conn) {
    // end of file (it is leaving), or nonsense: it gets no more connections; the one it
    // may still have counts until it exits
    if (n > 0) log::warning("server ", s.pid, ": unexpected message on its control socket");
    return retire(s);
  }
  net::Endpoint remote = *s.conn;
  s.conn.reset();
  --busy_;
  if (stopping_ || s.uses >= max_uses_) {
    retire(s);
  } else {
    s.idle_since = ::time(nullptr);
    idle_.push_back(&s);
  }
  ended_(s.pid, remote, "done");
}

void ServerPool::collect_done() {
  for (auto& [pid, s] : servers_)
    if (s->conn && s->control) control_readable(*s);
}

// Closing the control socket is what tells a server to go.
void ServerPool::retire(Server& s) {
  std::erase(idle_, &s);
  s.ev.reset();
  s.control.reset();
}

bool ServerPool::exited(pid_t pid, int wait_status) {
  auto it = servers_.find(pid);
  if (it == servers_.end()) return false;
  auto node = servers_.extract(it);
  Server& s = *node.mapped();
  std::erase(idle_, &s);
  auto how = decode_wait_status(wait_status);
  if (s.conn) {
    --busy_;
    ended_(pid, *s.conn, how.describe());
  } else if (!how.ok()) {
    log::warning("idle server ", pid, " ended: ", how.describe());
  }
  return true;
}

void ServerPool::on_tick(evutil_socket_t, short, void* self) { static_cast<ServerPool*>(self)->expire_idle(); }

void ServerPool::expire_idle() {
  time_t now = ::time(nullptr);
  while (idle_.size() > kSpareServers && now - idle_.front()->idle_since >= kIdleSeconds)
    retire(*idle_.front());
}

void ServerPool::stop() {
  stopping_ = true;
  tick_.reset();
  for (auto& [pid, s] : servers_) retire(*s);
}

void ServerPool::signal_all(int sig) {
  for (auto& [pid, s] : servers_) ::kill(pid, sig);
}

}  // namespace posta::tcpd
