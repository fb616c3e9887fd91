// posta-list: administration of the mailing lists database. See man/posta-list.1.
#include <CLI/CLI.hpp>

#include "list.h"
#include "base/exitcode.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-list");
  posta::listcmd::Opts opts;
  posta::listcmd::Action action;
  CLI::App app{"posta-list: manage the mailing lists of a posta instance"};
  app.add_option("--home", opts.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  app.require_subcommand(1);
  posta::listcmd::register_all(app, opts, action);
  for (auto* s : app.get_subcommands({})) s->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? posta::kExitOk : posta::kExitUsage;
  }
  try {
    return action ? action() : posta::kExitUsage;
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, e.what());
  }
}
