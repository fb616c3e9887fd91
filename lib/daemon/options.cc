#include "daemon/options.h"

#include <unistd.h>

#include <charconv>
#include <cstring>
#include <string>

#include "base/exitcode.h"
#include "log/log.h"

namespace posta {

void usage_exit(std::string_view why, std::string_view usage_line) {
  if (!why.empty()) log::line("fatal", std::string(why));
  log::fatal(kExitUsageS6, std::string(usage_line));
}

long option_number(const char* s, long lo, long hi, char opt, std::string_view usage_line) {
  long v = 0;
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, v);
  if (ec != std::errc() || p != end || v < lo || v > hi)
    usage_exit(log::cat("-", opt, " needs a number from ", lo, " to ", hi), usage_line);
  return v;
}

SocketDaemonOptions parse_socket_daemon(int argc, char** argv, SocketDaemonOptions o, int max_at_once,
                                        std::string_view usage_line) {
  int ch;
  while ((ch = ::getopt(argc, argv, "D:G:d:c:t:")) != -1) {
    switch (ch) {
      case 'D': o.socket = optarg; break;
      case 'G': o.group = optarg; break;
      case 'd': o.notify_fd = static_cast<int>(option_number(optarg, 3, 1000000, 'd', usage_line)); break;
      case 'c': o.at_once = static_cast<int>(option_number(optarg, 1, max_at_once, 'c', usage_line)); break;
      case 't': o.timeout = static_cast<int>(option_number(optarg, 1, 3600, 't', usage_line)); break;
      default: usage_exit("", usage_line);
    }
  }
  if (optind != argc) usage_exit("unexpected argument " + std::string(argv[optind]), usage_line);
  return o;
}

}  // namespace posta
