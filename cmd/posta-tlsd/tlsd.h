// posta-tlsd: one process per connection between the client socket (fd 0) and a protocol
// server it forks and execs; holds the key, does all TLS. See man/posta-tlsd.8.
#pragma once
#include <event2/event.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "io/fd.h"
#include "proc/child.h"
#include "tls/tls_context.h"

namespace posta::tlsd {

// The protocol server's control fd number (documented; the server reads POSTA_TLS_CONTROL).
inline constexpr int kControlFd = 5;
// Per-direction relay buffer bound: reading pauses while this much is unwritten.
inline constexpr size_t kRelayHigh = 256 * 1024;

struct Options {
  bool implicit = false;  // -i
  bool starttls = false;  // -s
  bool check = false;     // -n
  std::string cert, key;         // -f, -k
  std::string sni_dir;          // -S: DIR/<name>/{cert,key}.pem; "" = none
  std::string client_ca;        // -A
  int handshake_timeout = 60;   // -t: seconds
  int idle_timeout = 3600;      // -I: seconds without a byte in either direction
  int write_timeout = 300;      // -W: seconds the client may leave our output unread
  int session_limit = 86400;    // -L: seconds from the start of a connection; 0 = none
  std::string user;             // -u: run the protocol server as
  std::string tls_user;         // -U: run posta-tlsd itself as (after forking the server)
  std::vector<std::string> argv;
  std::string daemon_socket;    // -D: the long-lived shape, connections from posta-tcpd -T
  std::string socket_group;     // -G: group that may connect to the -D socket
  std::optional<int> notify_fd; // -d: s6 readiness for -D
};

// tlsd_child.cc: the protocol server, forked before any key is loaded; it waits on a pipe
// for its extra environment and execs only when tlsd says so.
struct ServerLink {
  Child child;
  Fd data;     // tlsd's end of the server's fd 0/1 socketpair
  Fd control;  // tlsd's end of the control socketpair (-s only)
  Fd go;       // write end: "G" + NAME=value NUL ... then close; close alone = abort
};
[[nodiscard]] Result<ServerLink> fork_server(const Options& o);
[[nodiscard]] Status release_server(ServerLink& link, const std::vector<std::string>& env);

// tlsd_relay.cc: how a relay ends: ok, or an Error whose code says whose trouble it was.
inline constexpr int kPeerTrouble = 1;   // the client's: handshake, reset, a timeout
inline constexpr int kLocalTrouble = 2;  // ours: the server, its control channel, resources
inline std::unexpected<Error> peer_trouble(std::string why) { return fail(std::move(why), kPeerTrouble); }
inline std::unexpected<Error> local_trouble(std::string why) { return fail(std::move(why), kLocalTrouble); }

// tlsd_run.cc
int run(const Options& o);
// -n: loads the default and every SNI certificate and key; the run script's start check.
[[nodiscard]] Status check_config(const Options& o);

// "SSL_PROTOCOL=...", ... for the implicit-TLS server environment.
std::vector<std::string> tls_env(const TlsInfo& info);

ServerTlsConfig tls_config(const Options& o);

// tlsd_daemon.cc: -D, one process for every TLS connection of an instance.
int run_daemon(const Options& o);

}  // namespace posta::tlsd
