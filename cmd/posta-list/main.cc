// posta-list: administration of the mailing lists database. See man/posta-list.1.
#include "admin/tool_app.h"
#include "list.h"

int main(int argc, char** argv) {
  posta::listcmd::Opts opts;
  posta::admin::ToolApp tool("posta-list", "posta-list: manage the mailing lists of a posta instance", opts.home);
  posta::listcmd::register_all(tool.app, opts, tool.action);
  return tool.run(argc, argv);
}
