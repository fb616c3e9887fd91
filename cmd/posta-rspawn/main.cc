// posta-rspawn: runs posta-remote for posta-send's remote delivery requests (posta-rspawn(8)).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "control/control.h"
#include "log/log.h"
#include "queue/spawn_start.h"
#include "rspawn.h"

int main(int argc, char**) {
  posta::log::set_program("posta-rspawn");
  auto started = posta::queue::start_spawn(argc, "posta-rspawn");
  const std::string& home = started.home;
  // Connection reuse needs posta-remote's worker mode: a stand-in in $POSTA_REMOTE gets
  // one process per delivery, as does control/connectioncachetime 0.
  long long idle = posta::Control(home).number("connectioncachetime", 2);
  std::string agent = posta::rspawn::agent();
  const char* standin = std::getenv("POSTA_REMOTE");
  if (idle > 0 && !(standin && *standin) && ::access(agent.c_str(), X_OK) == 0)
    return posta::rspawn::run_pool(agent, std::chrono::seconds(std::min(idle, 3600LL)));
  return posta::queue::run_spawner(posta::queue::Spool::from_home(home), posta::rspawn::hooks());
}
