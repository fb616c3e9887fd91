// posta-policyd [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c CONNECTIONS] [-t SECONDS]: greylisting
// and rate limits for posta-smtpd. See man/posta-policyd.8.
#include <exception>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/options.h"
#include "log/log.h"
#include "policy/policy_client.h"
#include "policyd.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-policyd");
  auto a = posta::parse_socket_daemon(
      argc, argv, {posta::policy::policy_socket(posta::posta_home()), "", std::nullopt, 512, 900}, 4096,
      "usage: posta-policyd [-D SOCKET] [-G GROUP] [-d NOTIFYFD] [-c CONNECTIONS] [-t SECONDS]");
  posta::policyd::Options o{a.socket, a.group, a.notify_fd, a.at_once, a.timeout};
  try {
    return posta::policyd::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
