// posta-list: administration of the mailing lists database. See man/posta-list.1.
#include <CLI/CLI.hpp>

#include "admin/tool_main.h"
#include "list.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-list");
  posta::listcmd::Opts opts;
  posta::listcmd::Action action;
  CLI::App app{"posta-list: manage the mailing lists of a posta instance"};
  app.add_option("--home", opts.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  posta::listcmd::register_all(app, opts, action);
  return posta::admin::parse_and_run(app, argc, argv, action);
}
