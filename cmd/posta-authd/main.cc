// posta-authd [-s SOCKET] [-G GROUP] [-d NOTIFYFD] [-c CHECKERS] [-t SECONDS]: the resident
// password checker behind posta-auth. See man/posta-authd.8.
#include <unistd.h>

#include <exception>

#include "authd.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/options.h"
#include "log/log.h"

namespace {

constexpr const char* kUsage = "usage: posta-authd [-s SOCKET] [-G GROUP] [-d NOTIFYFD] [-c CHECKERS] [-t SECONDS]";

posta::authd::Options parse_args(int argc, char** argv) {
  posta::authd::Options o;
  o.socket = posta::posta_home() + "/run/authd.sock";
  int ch;
  while ((ch = ::getopt(argc, argv, "s:G:d:c:t:")) != -1) {
    switch (ch) {
      case 's': o.socket = optarg; break;
      case 'G': o.group = optarg; break;
      case 'd': o.notify_fd = static_cast<int>(posta::option_number(optarg, 3, 1000000, 'd', kUsage)); break;
      case 'c': o.workers = static_cast<int>(posta::option_number(optarg, 1, 64, 'c', kUsage)); break;
      case 't': o.timeout = static_cast<int>(posta::option_number(optarg, 1, 3600, 't', kUsage)); break;
      default: posta::usage_exit("", kUsage);
    }
  }
  if (optind != argc) posta::usage_exit("unexpected argument " + std::string(argv[optind]), kUsage);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-authd");
  auto o = parse_args(argc, argv);
  try {
    return posta::authd::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
