// restore: from a snapshot into a directory (--to) or into the live instance.
#include <iostream>

#include "backup.h"
#include "backup/restore.h"
#include "backup/restore_account.h"
#include "backup/source.h"
#include "log/log.h"

namespace posta::backupcmd {

using namespace backup;

namespace {

// The newest snapshot taken at or before t.
Result<std::string> snapshot_at(Repository& r, int64_t t) {
  POSTA_TRY(auto names, r.snapshot_names());
  std::string hit;
  for (auto& n : names)
    if (snapshot_name_time(n) <= t) hit = n;
  if (hit.empty()) return fail("no snapshot at or before " + format_time(t), ENOENT);
  return hit;
}

int restore(const Context& c, const RestoreArgs& a) {
  Selection sel;
  sel.user = a.user;
  sel.folder = a.folder;
  sel.message_id = a.message_id;
  if (sel.message_id.size() > 1 && sel.message_id.front() == '<' && sel.message_id.back() == '>')
    sel.message_id = sel.message_id.substr(1, sel.message_id.size() - 2);
  for (auto [text, dst] : {std::pair{&a.since, &sel.since}, std::pair{&a.until, &sel.until}})
    if (!text->empty()) {
      auto t = parse_time(*text);
      if (!t) return fail_exit(t.error());
      *dst = *t;
    }
  if (!a.to.empty() && !a.into_folder.empty()) {
    log::error("--into-folder is for restores into the live instance, not with --to");
    return kUsage;
  }
  if (a.to.empty() && !sel.messages_only()) {
    log::error("restoring a whole snapshot needs --to DIR; into the live instance, say what: --user, --folder, --message-id, --since or --until");
    return kUsage;
  }
  auto o = open_repo(c, RepoLock::Mode::kRead);
  if (!o) return fail_exit(o.error());
  Result<std::string> name = std::string();
  if (!a.at.empty()) {
    auto t = parse_time(a.at);
    if (!t) return fail_exit(t.error());
    name = snapshot_at(*o->repo, *t);
  } else {
    name = find_snapshot(*o->repo, a.snapshot);
  }
  if (!name) return fail_exit(name.error());
  auto s = load_snapshot(*o->repo, *name);
  if (!s) return fail_exit(s.error());
  if (a.to.empty() && !sel.user.empty()) {
    // a deleted user comes back with its account record before its mail
    auto acc = restore_account(*o->repo, *s, sel.user, home_of(c));
    if (!acc) return fail_exit(acc.error());
    if (*acc == AccountRestore::kRestored) log::info("restored the account of ", sel.user, " from ", *name);
  }
  auto r = a.to.empty() ? restore_into_instance(*o->repo, *s, sel, home_of(c), a.into_folder) : restore_to_dir(*o->repo, *s, sel, a.to, a.sync);
  if (!r) return fail_exit(r.error());
  for (auto& e : r->errors) log::error(e);
  log::info("restored from ", *name, ": files=", r->files, " bytes=", r->bytes, " already_present=", r->skipped,
            " errors=", r->errors.size(), a.to.empty() ? "" : " into " + a.to);
  if (!r->errors.empty()) return kDamage;
  if (r->files == 0 && r->skipped == 0) {
    log::error("nothing in ", *name, " matched");
    return kDamage;
  }
  return kOk;
}

}  // namespace

void register_restore(CLI::App& app, Context& c, Action& action) {
  RestoreArgs& a = c.restore;
  auto* r = app.add_subcommand("restore", "restore messages into the instance, or anything into a directory (--to)");
  r->add_option("snapshot", a.snapshot, "snapshot name, a unique prefix of one, or latest (the default)");
  r->add_option("--at", a.at, "the newest snapshot taken at or before this time (@EPOCH or YYYY-MM-DD[ HH:MM[:SS]], UTC)");
  r->add_option("--to", a.to, "write the files under this directory instead (a whole snapshot: an instance tree)");
  r->add_flag("--sync", a.sync, "with --to: sync the file system before reporting success");
  r->add_option("--user", a.user, "only this user's mail (user@domain)");
  auto* f = r->add_option("--folder", a.folder_text, "only this folder (INBOX, Sent, ...)");
  r->add_option("--into-folder", a.into_folder,
                 "into the live instance: put every message into this folder of its user (e.g. Restored) instead of its own");
  r->add_option("--message-id", a.message_id, "only the message(s) with this Message-ID");
  r->add_option("--since", a.since, "only messages delivered at or after this time");
  r->add_option("--until", a.until, "only messages delivered before this time");
  r->callback([&, f] {
    if (f->count()) a.folder = a.folder_text;
    action = [&] { return restore(c, a); };
  });
}

}  // namespace posta::backupcmd
