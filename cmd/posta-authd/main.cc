// posta-authd [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c CHECKERS] [-t SECONDS]: the resident
// password checker behind posta-auth. See man/posta-authd.8.
#include <exception>

#include "authd.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/options.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-authd");
  auto a = posta::parse_socket_daemon(argc, argv, {posta::posta_home() + "/run/authd.sock", "", std::nullopt, 4, 5}, 64,
                                      "usage: posta-authd [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c CHECKERS] [-t SECONDS]");
  posta::authd::Options o{a.socket, a.group, a.notify_fd, a.at_once, a.timeout};
  try {
    return posta::authd::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
