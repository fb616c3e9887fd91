// posta-domain: administration of the domains database. See man/posta-domain.1.
#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "domain.h"
#include "domain_dkim.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-domain");
  posta::domaincmd::Context ctx;
  posta::domaincmd::Action action;
  CLI::App app{"posta-domain: manage the mail domains of a posta instance"};
  app.add_option("--home", ctx.home, "instance directory (default $POSTA_HOME, then /var/posta)");
  app.require_subcommand(1);
  posta::domaincmd::register_core(app, ctx, action);
  posta::domaincmd::register_dkim(app, ctx, action);
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
