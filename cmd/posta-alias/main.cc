// posta-alias: administration of the aliases (forwarders) database. See man/posta-alias.1.
#include <CLI/CLI.hpp>

#include "alias.h"
#include "base/exitcode.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-alias");
  posta::aliascmd::Opts opts;
  posta::aliascmd::Action action;
  CLI::App app{"posta-alias: manage the aliases (forwarders) of a posta instance"};
  app.add_option("--home", opts.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  app.require_subcommand(1);
  posta::aliascmd::register_all(app, opts, action);
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
