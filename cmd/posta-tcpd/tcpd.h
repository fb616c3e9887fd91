// posta-tcpd: inetd-style TCP launcher. See man/posta-tcpd.8.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace posta::tcpd {

struct Config {
  long maxconn = 100;    // -c: connections at once; accepting pauses at the limit
  long maxperip = 0;     // -C: per client address; 0 = same as maxconn
  int v6prefix = 64;     // -P: -C counts an IPv6 client by this many leading bits
  std::string rules;     // -x: rules file (text), read at start and on SIGHUP
  std::string user;      // -u
  std::string group;     // -g
  long backlog = 1024;   // -b: past it the kernel drops handshakes and clients wait unanswered
  std::string busy;      // -m: line (CRLF added) sent to a client closed for -C, e.g. a 421
  long timeout = 0;      // -t: after SIGTERM, seconds before children get SIGTERM; 0 = never
  std::optional<int> notify_fd;  // -d
  std::string tls_socket;        // -T: hand connections to posta-tlsd -D listening here
  bool tls_implicit = false;     // -M implicit (else starttls)
  long reuse = 0;                // -R: connections per server process (0: one, no control socket)
  std::string host, port;
  std::vector<std::string> argv;  // PROGRAM [ARG...]
};

// Parses argv (getopt, stopping at PROGRAM); exits 100 with a usage line when malformed.
Config parse_args(int argc, char** argv);

// Runs until SIGTERM and the last child is gone; returns the exit code.
int run(const Config& c);

}  // namespace posta::tcpd
