// posta-mail index: brings the full-text indexes (lib/fts) of the users' folders up to date,
// or rebuilds them; with --changed, only the folders marked changed since the last such pass
// (lib/fts/changed_folders.h), which is how the mailtasks service keeps the indexes current
// within seconds of a delivery, APPEND, COPY, MOVE or EXPUNGE.
#include <chrono>

#include "admin/tool.h"
#include "base/exitcode.h"
#include "fts/changed_folders.h"
#include "fts/folder_index.h"
#include "log/log.h"
#include "mail.h"
#include "mailstore/folders.h"
#include "mailstore/mailbox_index.h"

namespace posta::mailcmd {
namespace {

// A pass has no time bound of its own: the admin (or cron) runs it to completion.
constexpr std::chrono::hours kNoBound{24 * 365};
// An index that grew by this many documents is compacted (fts::compact()).
constexpr size_t kCompactAfter = 1000;

struct PassStats {
  size_t folders = 0, added = 0, busy = 0, failed = 0, rebuilt = 0;
};

// One folder's catch-up; label names it in messages. False when another process held the
// index (nothing done).
bool index_folder(const std::string& dir, const std::string& label, bool rebuild, PassStats& p) {
  auto ix = mailstore::MailboxIndex::open(dir);
  if (!ix) {
    log::warning(label, ": ", ix.error().what);
    ++p.failed;
    return true;
  }
  auto st = fts::catch_up(*ix, kNoBound, rebuild);
  ++p.folders;
  if (!st) {
    log::warning(label, ": ", st.error().what);
    ++p.failed;
    return true;
  }
  if (st->busy) {
    log::info(label, ": index busy (another process is indexing it)");
    ++p.busy;
    return false;
  }
  p.added += st->added;
  if (fts::worth_rebuilding(*st)) {
    // the documents of expunged messages go only with a rebuild, which leaves the index
    // compact as well
    if (auto r = fts::rebuild_aside(*ix); !r) log::warning(label, ": ", r.error().what);
    else ++p.rebuilt;
  } else if (st->added >= kCompactAfter || rebuild) {
    if (auto c = fts::compact(ix->folder()); !c) log::warning(label, ": ", c.error().what);
  }
  return true;
}

int index_pass(const Opts& o) {
  auto users = scope_users(o);
  if (!users) return report(users.error());
  PassStats p;
  for (size_t i = 0; i < users->size(); ++i) {
    const auto& u = (*users)[i];
    mailstore::Folders tree(maildir_of(u));
    for (const auto& name : tree.list()) (void)index_folder(tree.dir(name), u.address + " " + name, o.rebuild, p);
    show_progress("users", i + 1, users->size());
  }
  log::info("indexed ", p.added, " messages in ", p.folders, " folders of ", users->size(), " users (", p.busy,
            " busy, ", p.failed, " failed)");
  return p.failed ? kExitTemporary : kExitOk;
}

// The folders marked changed; a busy one is marked again, for the next pass.
int changed_pass(const Opts& o) {
  if (!o.users.empty() || !o.domain.empty() || o.all)
    return report(Error{"--changed takes the marked folders: no --user, --domain or --all", accounts::kErrInvalid});
  std::string home = admin::home_or_default(o.home);
  if (auto s = become_mail_owner(home); !s) return report(s.error());
  auto folders = fts::take_changed(home);
  if (!folders) return report(folders.error());
  PassStats p;
  for (const auto& dir : *folders) {
    if (index_folder(dir, dir, false, p)) continue;
    if (auto s = fts::mark_changed(home, dir); !s) log::warning(s.error().what);
  }
  log::info("indexed ", p.added, " messages in ", p.folders, " changed folders (", p.busy, " busy, ", p.rebuilt,
            " rebuilt, ", p.failed, " failed)");
  return p.failed ? kExitTemporary : kExitOk;
}

}  // namespace

void note_changed(const Opts& o, const std::string& folder_dir) {
  if (auto s = fts::mark_changed(admin::home_or_default(o.home), folder_dir); !s) log::warning(s.error().what);
}

void register_index(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("index", "add the messages the full-text indexes lack (IMAP SEARCH BODY/TEXT, search body:/text:)");
  add_scope_options(sc, o);
  sc->add_flag("--rebuild", o.rebuild, "discard each folder's index and build it again");
  auto* changed = sc->add_flag("--changed", o.changed,
                               "only the folders marked changed since the last such pass (what the mailtasks service runs)");
  changed->excludes("--rebuild");
  sc->callback([&] { action = [&] { return o.changed ? changed_pass(o) : index_pass(o); }; });
}

}  // namespace posta::mailcmd
