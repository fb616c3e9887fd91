// posta-mail index: brings the full-text indexes (lib/fts) of the users' folders up to date,
// or rebuilds them; what IMAP SEARCH and posta-mail search leave to a later catch-up.
#include <chrono>

#include "base/exitcode.h"
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

int index_pass(const Opts& o) {
  auto users = scope_users(o);
  if (!users) return report(users.error());
  size_t folders = 0, added = 0, busy = 0, failed = 0;
  for (size_t i = 0; i < users->size(); ++i) {
    const auto& u = (*users)[i];
    std::string md = maildir_of(u);
    mailstore::Folders tree(md);
    for (const auto& name : tree.list()) {
      auto ix = mailstore::MailboxIndex::open(tree.dir(name));
      if (!ix) {
        log::warning(u.address, " ", name, ": ", ix.error().what);
        ++failed;
        continue;
      }
      auto st = fts::catch_up(*ix, kNoBound, o.rebuild);
      ++folders;
      if (!st) {
        log::warning(u.address, " ", name, ": ", st.error().what);
        ++failed;
      } else if (st->busy) {
        log::info(u.address, " ", name, ": index busy (another process is indexing it)");
        ++busy;
      } else {
        added += st->added;
        if (st->added >= kCompactAfter || o.rebuild)
          if (auto c = fts::compact(ix->folder()); !c) log::warning(u.address, " ", name, ": ", c.error().what);
      }
    }
    show_progress("users", i + 1, users->size());
  }
  log::info("indexed ", added, " messages in ", folders, " folders of ", users->size(), " users (", busy, " busy, ",
            failed, " failed)");
  return failed ? kExitTemporary : kExitOk;
}

}  // namespace

void register_index(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("index", "add the messages the full-text indexes lack (IMAP SEARCH BODY/TEXT, search body:/text:)");
  add_scope_options(sc, o);
  sc->add_flag("--rebuild", o.rebuild, "discard each folder's index and build it again");
  sc->callback([&] { action = [&] { return index_pass(o); }; });
}

}  // namespace posta::mailcmd
