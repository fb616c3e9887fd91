// posta-alias: administration of the aliases (forwarders) database. See man/posta-alias.1.
#include <CLI/CLI.hpp>

#include "admin/tool_main.h"
#include "alias.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-alias");
  posta::aliascmd::Opts opts;
  posta::aliascmd::Action action;
  CLI::App app{"posta-alias: manage the aliases (forwarders) of a posta instance"};
  app.add_option("--home", opts.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  posta::aliascmd::register_all(app, opts, action);
  return posta::admin::parse_and_run(app, argc, argv, action);
}
