// posta-queued [-s SOCKET] [-G GROUP] [-N FD] [-j N] [-t SECONDS]: the resident queue writer
// behind posta-smtpd. See man/posta-queued.8.
#include <CLI/CLI.hpp>

#include <exception>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "queue/queued_client.h"
#include "queued.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-queued");
  posta::queued::Options o;
  o.socket = posta::queue::queued_socket(posta::posta_home());
  CLI::App app{"posta-queued: writes the messages posta-smtpd hands it into the queue"};
  app.add_option("-s", o.socket, "unix socket to listen on (default $POSTA_HOME/run/queue.sock)");
  app.add_option("-G", o.group, "group that may connect (socket mode 0660; else 0600)");
  app.add_option("-N", o.notify_fd, "s6 readiness: write a newline to this fd when serving")
      ->check(CLI::Range(3, 1000000));
  app.add_option("-j", o.jobs, "messages written at once (default 300)")->check(CLI::Range(1, 1024));
  app.add_option("-t", o.timeout, "seconds for a client's frame to arrive (default 5)")->check(CLI::Range(1, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? posta::kExitOk : posta::kExitUsageS6;
  }
  try {
    return posta::queued::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
