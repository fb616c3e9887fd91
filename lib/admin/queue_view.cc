#include "admin/queue_view.h"

#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"

namespace posta::admin {

int run_queue_view(int argc, char** argv, const char* about, const char* json_help, const QueuePrinter& print) {
  CLI::App app{about};
  bool json = false;
  app.add_flag("--json", json, json_help);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto q = queue::read_queue(queue::Spool::from_home(posta_home()));
  if (!q) {
    log::error("fatal: ", q.error().what);
    return kExitTemporary;
  }
  print(*q, json);
  return kExitOk;
}

}  // namespace posta::admin
