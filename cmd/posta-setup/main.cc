// posta-setup: creates a ready posta instance. See man/posta-setup.8.
#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "log/log.h"
#include "setup.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-setup");
  posta::setup::Options o;
  CLI::App app{"posta-setup: create a ready posta instance"};
  app.add_option("--home", o.home, "instance directory (created)")->required();
  app.add_option("--domain", o.domain, "the mail domain of the instance");
  app.add_option("--port-base", o.port_base,
                 "services listen on base+25, base+587, ... (default 10000; 0 with --system)");
  app.add_option("--ip", o.ip, "address the services listen on (default 127.0.0.1)");
  app.add_option("--bin", o.bindir, "directory of the posta programs (default: posta-setup's)");
  app.add_option("--user", o.user, "as root: the user the instance runs as (default posta)");
  app.add_flag("--system", o.system, "as root: standard ports and one user per role");
  app.add_flag("--update-services", o.update_services,
               "refresh the service directories of an existing instance from the templates");
  try {
    app.parse(argc, argv);
    if (o.domain.empty() && !o.update_services) throw CLI::RequiredError("--domain");
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? posta::kExitOk : posta::kExitUsage;
  }
  try {
    return posta::setup::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, e.what());
  }
}
