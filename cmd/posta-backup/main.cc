// posta-backup: backups of a posta instance into an encrypted, deduplicated repository, and
// restores from it; `posta-backup daemon` is the backupd service. See man/posta-backup.8.
#include "admin/tool_app.h"
#include "backup.h"

int main(int argc, char** argv) {
  posta::backupcmd::Context ctx;
  posta::admin::ToolApp tool("posta-backup", "posta-backup: back up and restore a posta instance", ctx.home);
  tool.app.add_option("--repo", ctx.repo, "repository directory (default: control/backuprepo)");
  tool.app.add_option("--passphrase-file", ctx.passphrase_file,
                      "file holding the passphrase (default: $POSTA_BACKUP_PASSPHRASE_FILE, then control/backupkeyfile)");
  posta::backupcmd::register_repo(tool.app, ctx, tool.action);
  posta::backupcmd::register_run(tool.app, ctx, tool.action);
  posta::backupcmd::register_list(tool.app, ctx, tool.action);
  posta::backupcmd::register_restore(tool.app, ctx, tool.action);
  return tool.run(argc, argv);
}
