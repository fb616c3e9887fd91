// posta-user: administration of the users database. See man/posta-user.1.
#include <CLI/CLI.hpp>

#include "admin/tool_main.h"
#include "log/log.h"
#include "user.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-user");
  posta::usercmd::Context ctx;
  posta::usercmd::Opts opts;
  posta::usercmd::Action action;
  CLI::App app{"posta-user: manage the mail users of a posta instance"};
  app.add_option("--home", ctx.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  posta::usercmd::register_edit(app, ctx, opts, action);
  posta::usercmd::register_view(app, ctx, opts, action);
  return posta::admin::parse_and_run(app, argc, argv, action);
}
