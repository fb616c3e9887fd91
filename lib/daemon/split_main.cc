#include "daemon/split_main.h"

#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "log/log.h"

namespace posta {

int split_server_main(int argc, char** argv, const char* program, const char* about, int (*preauth)(),
                      int (*postauth)()) {
  log::set_program(program);
  CLI::App app{about};
  bool post_auth = false;
  app.add_flag("--post-auth", post_auth, "run the authenticated half (started by posta-auth)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsageS6;
  }
  ignore_sigpipe();
  return post_auth ? postauth() : preauth();
}

}  // namespace posta
