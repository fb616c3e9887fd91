#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "managesieve.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-managesieved");
  CLI::App app{"ManageSieve server on fd 0/1 (under posta-tcpd, optionally behind posta-tlsd)"};
  bool post_auth = false;
  app.add_flag("--post-auth", post_auth, "run the authenticated half (started by posta-auth)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return posta::kExitUsageS6;
  }
  posta::ignore_sigpipe();
  return post_auth ? posta::managesieved::run_postauth() : posta::managesieved::run_preauth();
}
