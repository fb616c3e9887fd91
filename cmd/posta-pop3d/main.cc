#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "pop3.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-pop3d");
  CLI::App app{"POP3 server on fd 0/1 (under posta-tcpd, optionally behind posta-tlsd)"};
  bool post_auth = false;
  app.add_flag("--post-auth", post_auth, "run the authenticated half (started by posta-auth)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return posta::kExitUsageS6;
  }
  posta::ignore_sigpipe();
  return post_auth ? posta::pop3::run_postauth() : posta::pop3::run_preauth();
}
