// posta-alias: administration of the aliases (forwarders) database. See man/posta-alias.1.
#include "admin/tool_app.h"
#include "alias.h"

int main(int argc, char** argv) {
  posta::aliascmd::Opts opts;
  posta::admin::ToolApp tool("posta-alias", "posta-alias: manage the aliases (forwarders) of a posta instance",
                             opts.home);
  posta::aliascmd::register_all(tool.app, opts, tool.action);
  return tool.run(argc, argv);
}
