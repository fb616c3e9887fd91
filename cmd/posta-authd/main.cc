// posta-authd [-s SOCKET] [-G GROUP] [-N FD] [-w N] [-t SECONDS]: the resident
// password checker behind posta-auth. See man/posta-authd.8.
#include <CLI/CLI.hpp>

#include <exception>

#include "authd.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-authd");
  posta::authd::Options o;
  o.socket = posta::posta_home() + "/run/authd.sock";
  CLI::App app{"posta-authd: answers posta-auth's password checks"};
  app.add_option("-s", o.socket, "unix socket to listen on (default $POSTA_HOME/run/authd.sock)");
  app.add_option("-G", o.group, "group that may connect (socket mode 0660; else 0600)");
  app.add_option("-N", o.notify_fd, "s6 readiness: write a newline to this fd when serving")
      ->check(CLI::Range(3, 1000000));
  app.add_option("-w", o.workers, "checker threads: connections served at once (default 4)")
      ->check(CLI::Range(1, 64));
  app.add_option("-t", o.timeout, "seconds for a request to arrive and its answer to leave (default 5)")
      ->check(CLI::Range(1, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? posta::kExitOk : posta::kExitUsageS6;
  }
  try {
    return posta::authd::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
