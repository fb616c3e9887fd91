// posta-mail: the administrator's tool for the mail of every user. See man/posta-mail.8.
#include "admin/tool_app.h"
#include "audit/audit_log.h"
#include "mail.h"

int main(int argc, char** argv) {
  posta::mailcmd::Opts opts;
  opts.invoker = posta::audit::invoker();
  posta::admin::ToolApp tool("posta-mail", "posta-mail: search, recall, export and audit the mail of a posta instance",
                             opts.home);
  posta::mailcmd::register_search(tool.app, opts, tool.action);
  posta::mailcmd::register_change(tool.app, opts, tool.action);
  posta::mailcmd::register_transfer(tool.app, opts, tool.action);
  posta::mailcmd::register_report(tool.app, opts, tool.action);
  posta::mailcmd::register_retention(tool.app, opts, tool.action);
  posta::mailcmd::register_index(tool.app, opts, tool.action);
  posta::mailcmd::register_daemon(tool.app, opts, tool.action);
  return tool.run(argc, argv);
}
