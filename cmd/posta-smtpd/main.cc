// posta-smtpd: ESMTP server for one connection on fd 0/1, started by posta-tcpd (or, with
// posta-tcpd -R, for the connections passed on fd 3).
#include <CLI/CLI.hpp>

#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "net/reuse.h"
#include "proc/privilege.h"
#include "smtpd.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-smtpd");
  CLI::App app{"posta-smtpd: ESMTP server on fd 0/1 (run by posta-tcpd)"};
  bool submission = false;
  app.add_flag("-s,--submission", submission,
               "submission mode (RFC 6409): AUTH before MAIL, sender must belong to the login");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? posta::kExitOk : posta::kExitUsageS6;
  }
  posta::ignore_sigpipe();
  if (auto st = posta::become_instance_owner(posta::posta_home()); !st)
    posta::log::fatal(posta::kExitTemporary, st.error().what);
  try {
    if (std::getenv(posta::net::kReuseEnvName)) return posta::smtpd::serve_passed_connections(submission);
    posta::smtpd::AccountsCache accounts;
    posta::smtpd::Session session(posta::smtpd::load_config(submission), accounts);
    return session.run();
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
