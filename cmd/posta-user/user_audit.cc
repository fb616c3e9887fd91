// posta-user's changes to accounts in the audit log (lib/audit), read by `posta-mail audit`.
#include <string>

#include "admin/tool.h"
#include "audit/audit_log.h"
#include "base/exitcode.h"
#include "log/log.h"
#include "user.h"

namespace posta::usercmd {
namespace {

// Taken while the process still has the ids it was started with: open() may become the
// instance owner before the change is made.
const std::string kInvoker = audit::invoker();

// What `set` was told to change.
std::string settings(const Opts& o) {
  std::string out;
  auto add = [&](const char* name, const std::string& v) {
    if (!v.empty()) out += std::string(out.empty() ? "" : " ") + name + "=" + v;
  };
  add("quota-bytes", o.quota_bytes);
  add("quota-messages", o.quota_messages);
  add("maildir", o.maildir);
  add("store-host", o.store_host);
  if (o.master) add("master", "yes");
  add("folder", o.share_folder);
  add("with", o.share_with);
  add("rights", o.share_rights);
  if (o.no_master) add("master", "no");
  return out;
}

}  // namespace

void audit_change(const CLI::App& app, const Context& ctx, const Opts& o, int rc) {
  if (rc != kExitOk) return;
  for (const auto* sc : app.get_subcommands()) {
    const std::string& name = sc->get_name();
    if (name != "add" && name != "del" && name != "passwd" && name != "set" && name != "enable" &&
        name != "disable" && name != "import" && name != "share" && name != "unshare")
      continue;
    std::string detail = name == "set" || name == "share" || name == "unshare" ? settings(o) : name == "del" && o.purge ? "Maildir removed" : "";
    audit::Record r{static_cast<int64_t>(::time(nullptr)), kInvoker, "posta-user", "user-" + name, o.address, "", "", "", detail};
    if (auto s = audit::append(admin::home_or_default(ctx.home), {r}); !s)
      log::warning("audit log not written: ", s.error().what);
  }
}

}  // namespace posta::usercmd
