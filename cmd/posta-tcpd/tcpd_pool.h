// posta-tcpd -R: reused servers. Each takes connections over its control socket on fd 3
// (protocol in lib/net/reuse.h) and serves at most max_uses of them. Only posta-tcpd decides
// when a server goes (it closes the control socket of an idle one), so a connection is never
// handed to a server that is leaving. See posta-tcpd(8).
#pragma once
#include <event2/event.h>
#include <sys/types.h>

#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "event/event_ptr.h"
#include "io/fd.h"
#include "net/address.h"

namespace posta::tcpd {

// Idle servers beyond this many exit after kIdleSeconds without a connection.
inline constexpr size_t kSpareServers = 2;
inline constexpr time_t kIdleSeconds = 10;

class ServerPool {
 public:
  // A connection is over: its server said "done" (how = "done") or exited (how = its status).
  using Ended = std::function<void(pid_t pid, const net::Endpoint& remote, const std::string& how)>;

  ServerPool(event_base* base, std::vector<std::string> argv, long max_uses, Ended ended)
      : base_(base), argv_(std::move(argv)), max_uses_(max_uses), ended_(std::move(ended)) {}
  ServerPool(const ServerPool&) = delete;
  ServerPool& operator=(const ServerPool&) = delete;
  [[nodiscard]] Status start();

  // Hands sock to the most recently idle server, or starts one with base_env; conn_env goes
  // with the connection. Returns the pid of the server that has it.
  [[nodiscard]] Result<pid_t> serve(int sock, const std::vector<std::string>& base_env,
                                    const std::vector<std::string>& conn_env,
                                    const net::Endpoint& remote);
  // For every reaped child: false when pid is not one of ours. A connection it still had
  // is ended (through Ended) here.
  bool exited(pid_t pid, int wait_status);
  // Reads the "done" of busy servers now (before their events' turn): a client that
  // reconnects at once must not find its last connection still counted.
  void collect_done();
  long busy() const { return busy_; }
  size_t processes() const { return servers_.size(); }
  // Closes every control socket: idle servers exit now, busy ones after their connection.
  void stop();
  void signal_all(int sig);

 private:
  struct Server {
    ServerPool* pool = nullptr;
    pid_t pid = -1;
    Fd control;
    EventPtr ev;
    std::optional<net::Endpoint> conn;
    long uses = 0;
    time_t idle_since = 0;
  };
  static void on_control(evutil_socket_t fd, short, void* self);
  static void on_tick(evutil_socket_t, short, void* self);
  void control_readable(Server& s);
  Result<Server*> spawn(const std::vector<std::string>& base_env);
  void retire(Server& s);
  void expire_idle();

  event_base* base_;
  std::vector<std::string> argv_;
  long max_uses_;
  Ended ended_;
  Fd devnull_;
  EventPtr tick_;
  std::map<pid_t, std::unique_ptr<Server>> servers_;
  std::vector<Server*> idle_;  // most recently idle last
  long busy_ = 0;
  bool stopping_ = false;
};

}  // namespace posta::tcpd
