// posta-authcheck: sender authentication checks by hand, printed like the Debian tools
// print them. See man/posta-authcheck.1.
#include "admin/tool_app.h"
#include "authcheck.h"

int main(int argc, char** argv) {
  posta::authcheck::Context ctx;
  posta::admin::ToolApp tool("posta-authcheck", "posta-authcheck: check sender authentication as posta does",
                             ctx.home);
  posta::authcheck::register_spf(tool.app, ctx, tool.action);
  return tool.run(argc, argv);
}
