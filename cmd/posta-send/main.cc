// posta-send [-d NOTIFYFD]: the queue scheduler, started by posta-start with its pipes on
// fds 3-8.
#include <signal.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "daemon/options.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "send_loop.h"

namespace {

constexpr const char* kUsage = "usage: posta-send [-d NOTIFYFD] (started by posta-start)";

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-send");
  std::optional<int> ready;
  int ch;
  while ((ch = ::getopt(argc, argv, "d:")) != -1) {
    if (ch != 'd') posta::usage_exit("", kUsage);
    ready = static_cast<int>(posta::option_number(optarg, 3, 1000000, 'd', kUsage));
  }
  if (optind != argc) posta::usage_exit("unexpected argument " + std::string(argv[optind]), kUsage);
  auto daemon = posta::Daemon::start({ready, false}, {SIGALRM, SIGHUP, SIGTERM, SIGINT});
  if (!daemon) posta::log::fatal(posta::kExitTemporary, daemon.error().what);
  std::string home = posta::posta_home();
  if (auto s = posta::become_instance_owner(home); !s) {
    posta::log::error("fatal: ", s.error().what);
    return posta::kExitTemporary;
  }
  return posta::send::run_loop(home, *daemon);
}
