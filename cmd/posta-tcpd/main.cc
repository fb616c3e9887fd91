// posta-tcpd: listen on HOST PORT, fork+exec PROGRAM per connection with the socket on
// fds 0 and 1. An s6-style chainloader: options end at HOST, so no CLI11 here.
#include <unistd.h>

#include <cstring>

#include "base/exitcode.h"
#include "daemon/options.h"
#include "log/log.h"
#include "tcpd.h"

namespace posta::tcpd {

namespace {

constexpr const char* kUsage =
    "usage: posta-tcpd [-c MAXCONN] [-C MAXPERIP] [-P PREFIXLEN] [-x RULES] [-u USER [-g GROUP]] "
    "[-b BACKLOG] [-t TIMEOUT] [-d NOTIFYFD] [-T SOCKET -M implicit|starttls] [-R MAXUSE] "
    "HOST PORT PROGRAM [ARG...]";

[[noreturn]] void usage(const std::string& why) { usage_exit(why, kUsage); }

long number(const char* s, long lo, long hi, char opt) { return option_number(s, lo, hi, opt, kUsage); }

}  // namespace

Config parse_args(int argc, char** argv) {
  Config c;
  bool tls_mode = false;
  int ch;
  while ((ch = ::getopt(argc, argv, "+c:C:P:x:u:g:b:t:d:T:M:R:m:")) != -1) {
    switch (ch) {
      case 'c': c.maxconn = number(optarg, 1, 100000, 'c'); break;
      case 'C': c.maxperip = number(optarg, 1, 100000, 'C'); break;
      case 'P': c.v6prefix = static_cast<int>(number(optarg, 0, 128, 'P')); break;
      case 'x': c.rules = optarg; break;
      case 'u': c.user = optarg; break;
      case 'g': c.group = optarg; break;
      case 'b': c.backlog = number(optarg, 1, 65535, 'b'); break;
      case 't': c.timeout = number(optarg, 0, 86400, 't'); break;
      case 'd': c.notify_fd = static_cast<int>(number(optarg, 3, 1000000, 'd')); break;
      case 'T': c.tls_socket = optarg; break;
      case 'R': c.reuse = number(optarg, 1, 1000000, 'R'); break;
      case 'm':
        c.busy = optarg;
        if (c.busy.empty() || c.busy.size() > 200 || c.busy.find_first_of("\r\n") != std::string::npos)
          usage("-m needs one line of at most 200 characters");
        break;
      case 'M':
        if (std::strcmp(optarg, "implicit") != 0 && std::strcmp(optarg, "starttls") != 0)
          usage("-M needs implicit or starttls");
        c.tls_implicit = std::strcmp(optarg, "implicit") == 0;
        tls_mode = true;
        break;
      default: usage("");
    }
  }
  if (argc - optind < 3) usage("missing HOST, PORT or PROGRAM");
  if (!c.group.empty() && c.user.empty()) usage("-g needs -u");
  if (c.tls_socket.empty() != !tls_mode) usage("-T and -M go together");
  if (!c.busy.empty() && c.tls_implicit) usage("-m cannot be used with -M implicit (the client expects a TLS handshake)");
  c.host = argv[optind];
  c.port = argv[optind + 1];
  for (int i = optind + 2; i < argc; ++i) c.argv.emplace_back(argv[i]);
  if (c.maxperip == 0 || c.maxperip > c.maxconn) c.maxperip = c.maxconn;
  return c;
}

}  // namespace posta::tcpd

int main(int argc, char** argv) {
  posta::log::set_program("posta-tcpd");
  try {
    return posta::tcpd::run(posta::tcpd::parse_args(argc, argv));
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, e.what());
  }
}
