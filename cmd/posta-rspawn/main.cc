// posta-rspawn: runs posta-remote for posta-send's remote delivery requests (posta-rspawn(8)).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "rspawn.h"

int main(int argc, char**) {
  posta::log::set_program("posta-rspawn");
  if (argc > 1) {
    posta::log::error("usage: posta-rspawn (requests on fd 0, results on fd 1; started by posta-start)");
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
  // Connection reuse needs posta-remote's worker mode: a stand-in in $POSTA_REMOTE gets
  // one process per delivery, as does control/connectioncachetime 0.
  long long idle = posta::Control(home).number("connectioncachetime", 2);
  std::string agent = posta::rspawn::agent();
  const char* standin = std::getenv("POSTA_REMOTE");
  if (idle > 0 && !(standin && *standin) && ::access(agent.c_str(), X_OK) == 0)
    return posta::rspawn::run_pool(agent, std::chrono::seconds(std::min(idle, 3600LL)));
  return posta::queue::run_spawner(posta::queue::Spool::from_home(home), posta::rspawn::hooks());
}
