// posta-domain: administration of the domains database. See man/posta-domain.1.
#include "admin/tool_app.h"
#include "domain.h"
#include "domain_dkim.h"

int main(int argc, char** argv) {
  posta::domaincmd::Context ctx;
  posta::admin::ToolApp tool("posta-domain", "posta-domain: manage the mail domains of a posta instance", ctx.home);
  posta::domaincmd::register_core(tool.app, ctx, tool.action);
  posta::domaincmd::register_dkim(tool.app, ctx, tool.action);
  return tool.run(argc, argv, false);
}
