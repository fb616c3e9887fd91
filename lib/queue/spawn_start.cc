#include "queue/spawn_start.h"

#include <string>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "proc/privilege.h"

namespace posta::queue {

SpawnStart start_spawn(int argc, const char* program) {
  if (argc > 1)
    log::fatal(kExitUsageS6, std::string("usage: ") + program +
                                 " (requests on fd 0, results on fd 1; started by posta-start)");
  auto daemon = Daemon::start({std::nullopt, false}, {});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  std::string home = posta_home();
  if (auto s = become_instance_owner(home); !s) log::fatal(kExitTemporary, s.error().what);
  return {std::move(*daemon), std::move(home)};
}

}  // namespace posta::queue
