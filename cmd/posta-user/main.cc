// posta-user: administration of the users database. See man/posta-user.1.
#include "admin/tool_app.h"
#include "user.h"

int main(int argc, char** argv) {
  posta::usercmd::Context ctx;
  posta::usercmd::Opts opts;
  posta::admin::ToolApp tool("posta-user", "posta-user: manage the mail users of a posta instance", ctx.home);
  posta::usercmd::register_edit(tool.app, ctx, opts, tool.action);
  posta::usercmd::register_view(tool.app, ctx, opts, tool.action);
  posta::usercmd::register_share(tool.app, ctx, opts, tool.action);
  posta::usercmd::register_sieve(tool.app, ctx, tool.action);
  int rc = tool.run(argc, argv);
  posta::usercmd::audit_change(tool.app, ctx, opts, rc);
  return rc;
}
