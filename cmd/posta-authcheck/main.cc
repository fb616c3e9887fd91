// posta-authcheck: sender authentication checks (SPF, DKIM, DMARC), for admins and tests
// (man/posta-authcheck.1).
#include "admin/tool_app.h"
#include "authcheck.h"

int main(int argc, char** argv) {
  std::string home;
  posta::admin::ToolApp tool("posta-authcheck", "posta-authcheck: sender authentication checks as posta makes them",
                             home);
  posta::authcheck::add_spf_command(tool.app, home, tool.action);
  posta::authcheck::add_dkim_command(tool.app, home, tool.action);
  posta::authcheck::add_dmarc_command(tool.app, home, tool.action);
  return tool.run(argc, argv);
}
