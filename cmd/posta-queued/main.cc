// posta-queued [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c JOBS] [-t SECONDS]: the resident
// queue writer behind posta-smtpd. See man/posta-queued.8.
#include <exception>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/options.h"
#include "log/log.h"
#include "queue/queued_client.h"
#include "queued.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-queued");
  auto a = posta::parse_socket_daemon(argc, argv, {posta::queue::queued_socket(posta::posta_home()), "", std::nullopt, 300, 5},
                                      1024, "usage: posta-queued [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c JOBS] [-t SECONDS]");
  posta::queued::Options o{a.socket, a.group, a.notify_fd, a.at_once, a.timeout};
  try {
    return posta::queued::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
