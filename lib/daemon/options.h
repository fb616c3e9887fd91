// Options of the programs that other programs (run scripts, posta-start, posta-tcpd) run,
// parsed s6-style with getopt. One letter means one thing in all of them: -d the readiness
// fd, -t a timeout in seconds, -c a limit on what is served at once, -u/-g the user and
// group to run as, -G the group that may connect to a -s unix socket.
#pragma once
#include <string_view>

namespace posta {

// Exits 100 after "fatal: why" (when not empty) and the usage line.
[[noreturn]] void usage_exit(std::string_view why, std::string_view usage_line);

// The decimal number in s, or usage_exit() saying that -opt needs a number from lo to hi.
long option_number(const char* s, long lo, long hi, char opt, std::string_view usage_line);

}  // namespace posta
