// posta-queued [-s SOCKET] [-G GROUP] [-d NOTIFYFD] [-c JOBS] [-t SECONDS]: the resident
// queue writer behind posta-smtpd. See man/posta-queued.8.
#include <unistd.h>

#include <exception>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/options.h"
#include "log/log.h"
#include "queue/queued_client.h"
#include "queued.h"

namespace {

constexpr const char* kUsage = "usage: posta-queued [-s SOCKET] [-G GROUP] [-d NOTIFYFD] [-c JOBS] [-t SECONDS]";

posta::queued::Options parse_args(int argc, char** argv) {
  posta::queued::Options o;
  o.socket = posta::queue::queued_socket(posta::posta_home());
  int ch;
  while ((ch = ::getopt(argc, argv, "s:G:d:c:t:")) != -1) {
    switch (ch) {
      case 's': o.socket = optarg; break;
      case 'G': o.group = optarg; break;
      case 'd': o.notify_fd = static_cast<int>(posta::option_number(optarg, 3, 1000000, 'd', kUsage)); break;
      case 'c': o.jobs = static_cast<int>(posta::option_number(optarg, 1, 1024, 'c', kUsage)); break;
      case 't': o.timeout = static_cast<int>(posta::option_number(optarg, 1, 3600, 't', kUsage)); break;
      default: posta::usage_exit("", kUsage);
    }
  }
  if (optind != argc) posta::usage_exit("unexpected argument " + std::string(argv[optind]), kUsage);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-queued");
  auto o = parse_args(argc, argv);
  try {
    return posta::queued::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
