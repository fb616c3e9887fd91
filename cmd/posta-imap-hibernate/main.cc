// posta-imap-hibernate [-D SOCKET] [-d NOTIFYFD] [-c SESSIONS] [-t SECONDS]: holds the client
// connections of idle IMAP sessions that posta-imapd hibernated, and starts a posta-imapd to
// resume each when it wakes. See man/posta-imap-hibernate.8.
#include <exception>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/options.h"
#include "hibernate.h"
#include "imap/hibernation.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-imap-hibernate");
  constexpr std::string_view usage = "usage: posta-imap-hibernate [-D SOCKET] [-d NOTIFYFD] [-c SESSIONS] [-t SECONDS]";
  auto a = posta::parse_socket_daemon(argc, argv,
                                      {posta::imap::hibernate_socket(posta::posta_home()), "", std::nullopt, 100000, 1740},
                                      1000000, usage);
  if (!a.group.empty()) posta::usage_exit("-G: the socket is the mail store owner's alone", usage);
  posta::hibernate::Options o{a.socket, a.notify_fd, a.at_once, a.timeout};
  try {
    return posta::hibernate::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
