// posta-lspawn: runs posta-local for posta-send's local delivery requests (posta-lspawn(8)).
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "lspawn.h"
#include "proc/privilege.h"
#include "queue/spawner.h"

int main(int argc, char**) {
  posta::log::set_program("posta-lspawn");
  if (argc > 1) {
    posta::log::error("usage: posta-lspawn (requests on fd 0, results on fd 1; started by posta-start)");
    return posta::kExitUsageS6;
  }
  // The daemon skeleton with no readiness (posta-send's is the family's) and no signals:
  // a spawn stops when posta-send closes its fd 0.
  auto daemon = posta::Daemon::start({std::nullopt, false}, {});
  if (!daemon) posta::log::fatal(posta::kExitTemporary, daemon.error().what);
  std::string home = posta::posta_home();
  if (auto s = posta::become_instance_owner(home); !s) {
    posta::log::error("fatal: ", s.error().what);
    return posta::kExitTemporary;
  }
  return posta::queue::run_spawner(posta::queue::Spool::from_home(home), posta::lspawn::hooks());
}
