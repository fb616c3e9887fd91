// posta-domain: administration of the domains database. See man/posta-domain.1.
#include <CLI/CLI.hpp>

#include "admin/tool_main.h"
#include "domain.h"
#include "domain_dkim.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-domain");
  posta::domaincmd::Context ctx;
  posta::domaincmd::Action action;
  CLI::App app{"posta-domain: manage the mail domains of a posta instance"};
  app.add_option("--home", ctx.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  posta::domaincmd::register_core(app, ctx, action);
  posta::domaincmd::register_dkim(app, ctx, action);
  return posta::admin::parse_and_run(app, argc, argv, action, false);
}
