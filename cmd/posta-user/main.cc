// posta-user: administration of the users database. See man/posta-user.1.
#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "log/log.h"
#include "user.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-user");
  posta::usercmd::Context ctx;
  posta::usercmd::Opts opts;
  posta::usercmd::Action action;
  CLI::App app{"posta-user: manage the mail users of a posta instance"};
  app.add_option("--home", ctx.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  app.require_subcommand(1);
  posta::usercmd::register_edit(app, ctx, opts, action);
  posta::usercmd::register_view(app, ctx, opts, action);
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
