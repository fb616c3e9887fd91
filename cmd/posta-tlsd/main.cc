// posta-tlsd: TLS in front of a protocol server, ucspi-tls style. See man/posta-tlsd.8.
// posta-tcpd runs it per connection, so its options are parsed s6-style (getopt) and end at
// PROGRAM.
#include <unistd.h>

#include <cstdlib>
#include <exception>

#include "base/exitcode.h"
#include "daemon/options.h"
#include "log/log.h"
#include "tlsd.h"

namespace {

constexpr const char* kUsage =
    "usage: posta-tlsd -i|-s|-n|-D SOCKET [-f CERT] [-k KEY] [-S SNIDIR] [-A CAFILE] [-t HANDSHAKE] "
    "[-I IDLE] [-W WRITE] [-L LIMIT] [-u USER] [-U TLSUSER] [-G GROUP] [-d NOTIFYFD] [--] [PROGRAM [ARG...]]";

int number(char opt, long lo, long hi) {
  return static_cast<int>(posta::option_number(optarg, lo, hi, opt, kUsage));
}

posta::tlsd::Options parse_args(int argc, char** argv) {
  posta::tlsd::Options o;
  std::string home = std::getenv("POSTA_HOME") ? std::getenv("POSTA_HOME") : "/var/posta";
  o.cert = home + "/tls/cert.pem";
  o.key = home + "/tls/key.pem";
  o.sni_dir = home + "/tls";
  int ch;
  while ((ch = ::getopt(argc, argv, "+isnD:G:d:f:k:S:A:t:I:W:L:u:U:")) != -1) {
    switch (ch) {
      case 'i': o.implicit = true; break;
      case 's': o.starttls = true; break;
      case 'n': o.check = true; break;
      case 'D': o.daemon_socket = optarg; break;
      case 'G': o.socket_group = optarg; break;
      case 'd': o.notify_fd = number('d', 3, 1000000); break;
      case 'f': o.cert = optarg; break;
      case 'k': o.key = optarg; break;
      case 'S': o.sni_dir = optarg; break;
      case 'A': o.client_ca = optarg; break;
      case 't': o.handshake_timeout = number('t', 1, 3600); break;
      case 'I': o.idle_timeout = number('I', 1, 86400); break;
      case 'W': o.write_timeout = number('W', 1, 86400); break;
      case 'L': o.session_limit = number('L', 0, 604800); break;
      case 'u': o.user = optarg; break;
      case 'U': o.tls_user = optarg; break;
      default: posta::usage_exit("", kUsage);
    }
  }
  for (int i = optind; i < argc; ++i) o.argv.emplace_back(argv[i]);
  bool daemon = !o.daemon_socket.empty();
  if (o.implicit + o.starttls + o.check + daemon != 1) posta::usage_exit("one of -i, -s, -D and -n is required", kUsage);
  if (daemon && !o.argv.empty()) posta::usage_exit("-D takes no PROGRAM", kUsage);
  if (!o.check && !daemon && o.argv.empty()) posta::usage_exit("PROGRAM is missing", kUsage);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-tlsd");
  auto o = parse_args(argc, argv);
  try {
    if (o.check) {
      if (auto st = posta::tlsd::check_config(o); !st) posta::log::fatal(posta::kExitTemporary, st.error().what);
      return posta::kExitOk;
    }
    if (!o.daemon_socket.empty()) return posta::tlsd::run_daemon(o);
    return posta::tlsd::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, e.what());
  }
}
