// Options of the programs that other programs (run scripts, posta-start, posta-tcpd) run,
// parsed s6-style with getopt. One letter means one thing in all of them (INTERNALS.md
// "## Daemon skeleton"): -d the readiness fd, -t a timeout in seconds, -c what is served at
// once, -D the unix socket a daemon listens on and -G the group that may connect to it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace posta {

// Exits 100 after "fatal: why" (when not empty) and the usage line.
[[noreturn]] void usage_exit(std::string_view why, std::string_view usage_line);

// The decimal number in s, or usage_exit() saying that -opt needs a number from lo to hi.
long option_number(const char* s, long lo, long hi, char opt, std::string_view usage_line);

// The options of a daemon serving a unix socket (posta-authd, posta-queued):
// [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c N] [-t SECONDS].
struct SocketDaemonOptions {
  std::string socket;             // -D
  std::string group;              // -G: group that may connect (mode 0660); else 0600
  std::optional<int> notify_fd;   // -d
  int at_once = 0;                // -c: from 1 to max_at_once
  int timeout = 0;                // -t: seconds, from 1 to 3600
};
// Parses argv over defaults; usage_exit() on anything else (operands included).
SocketDaemonOptions parse_socket_daemon(int argc, char** argv, SocketDaemonOptions defaults, int max_at_once,
                                        std::string_view usage_line);

}  // namespace posta
