// posta-send: the queue scheduler, started by posta-start with its pipes on fds 3-8.
#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "send_loop.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-send");
  CLI::App app{"posta-send: queue scheduler (see posta-send(8))"};
  int ready = -1;
  app.add_option("-d", ready, "readiness notification fd (s6)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : posta::kExitUsageS6;
  }
  std::optional<int> fd;
  if (ready >= 0) fd = posta::readiness_fd(ready);
  std::string home = posta::posta_home();
  if (auto s = posta::become_instance_owner(home); !s) {
    posta::log::error("fatal: ", s.error().what);
    return posta::kExitTemporary;
  }
  return posta::send::run_loop(home, fd);
}
