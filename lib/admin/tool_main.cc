#include "admin/tool_main.h"

#include <exception>

#include "base/exitcode.h"
#include "log/log.h"

namespace posta::admin {

int parse_and_run(CLI::App& app, int argc, char** argv, const std::function<int()>& action,
                  bool fallthrough) {
  app.require_subcommand(1);
  if (fallthrough)
    for (auto* s : app.get_subcommands({})) s->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  try {
    return action ? action() : kExitUsage;
  } catch (const std::exception& e) {
    log::fatal(kExitTemporary, e.what());
  }
}

}  // namespace posta::admin
