// posta-mail expunge and move: the recall of a message from every mailbox it reached.
// Each message goes through MailboxIndex::remove()/add_file() as an IMAP EXPUNGE or MOVE
// would, the quota file is told, and every message touched is one audit record.
#include <unistd.h>

#include <map>
#include <set>
#include <memory>

#include "accounts/address.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "mail.h"
#include "maildir/quota.h"
#include "mailstore/folders.h"
#include "mailstore/mailbox_index.h"
#include "retention/hold.h"
#include "retention/policy.h"

namespace posta::mailcmd {
namespace {

using accounts::kErrInvalid;

struct Change {
  std::vector<Hit> done;
  std::vector<audit::Record> records;
  std::map<std::string, std::pair<int64_t, int64_t>> quota;  // user -> bytes, messages removed
};

// Calls fn(index, info, hit) for every hit still in its folder, one index open a folder;
// then marks those folders changed for the full-text indexer.
template <class Fn>
void each_present(const Opts& o, const std::vector<Hit>& hits, Fn fn) {
  std::unique_ptr<mailstore::MailboxIndex> ix;
  std::string open_dir;
  std::set<std::string> touched;
  for (const auto& h : hits) {
    std::string dir = mailstore::Folders(h.maildir).dir(h.folder);
    if (dir != open_dir) {
      auto opened = mailstore::MailboxIndex::open(dir);
      open_dir = dir;
      touched.insert(dir);
      ix = opened ? std::make_unique<mailstore::MailboxIndex>(std::move(*opened)) : nullptr;
      if (!opened) log::warning(h.user, " ", h.folder, ": ", opened.error().what);
    }
    if (!ix) continue;
    const auto* mi = ix->find(h.uid);
    if (mi) fn(*ix, *mi, h);
  }
  for (const auto& dir : touched) note_changed(o, dir);
}

// Appends the quota deltas the way posta-imapd does: only to a maildirsize that exists.
void tell_quota(const std::vector<accounts::UserRecord>& users, const Change& c) {
  for (const auto& u : users) {
    auto it = c.quota.find(u.address);
    if (it == c.quota.end()) continue;
    std::string md = u.maildir;
    if (::access((md + "/maildirsize").c_str(), F_OK) != 0) continue;
    maildir::Quota q(md, maildir::QuotaLimit{u.quota_bytes, u.quota_messages});
    if (auto s = q.add(it->second.first, it->second.second); !s) log::warning("quota of ", u.address, ": ", s.error().what);
  }
}

// What search, expunge and move share: the query, the users, the hits; a dry run prints.
struct Prepared {
  std::vector<accounts::UserRecord> users;
  mailsearch::Query query;
  std::vector<Hit> hits;
};
Result<Prepared> prepare(const Opts& o) {
  Prepared p;
  POSTA_TRY(p.query, query_of(o, false));
  POSTA_TRY(p.users, scope_users(o));
  POSTA_TRY(p.hits, find(p.users, p.query));
  return p;
}

// What would go: listed and audited as a search.
int dry_run(const Opts& o, const char* action, const Prepared& p) {
  audit_lookup(o, action, p.query, p.hits.size());
  int rc = print_hits(p.hits, o.json);
  return rc == kExitOk && p.hits.empty() ? kExitNotFound : rc;
}

int finish(const Opts& o, const char* verb, const std::vector<Hit>& done, size_t matched) {
  log::info(verb, " ", done.size(), " of ", matched, " messages");
  int rc = print_hits(done, o.json);
  return rc == kExitOk && done.empty() ? kExitNotFound : rc;
}

int expunge(const Opts& o) {
  auto p = prepare(o);
  if (!p) return report(p.error());
  if (o.dry_run) return dry_run(o, "expunge -n", *p);
  auto removed = remove_hits(o, p->users, p->hits, "expunge", "query: " + mailsearch::to_text(p->query));
  return finish(o, "expunged", removed, p->hits.size());
}

int move(const Opts& o) {
  auto to = mailstore::check_mailbox_name(o.to_folder);
  if (!to) return report(Error{"bad --to folder: " + to.error().what, kErrInvalid});
  auto p = prepare(o);
  if (!p) return report(p.error());
  std::erase_if(p->hits, [&](const Hit& h) { return h.folder == *to; });
  if (o.dry_run) return dry_run(o, "move -n", *p);
  std::string detail = "to " + *to + "; query: " + mailsearch::to_text(p->query);
  std::map<std::string, std::unique_ptr<mailstore::MailboxIndex>> targets;  // maildir -> index of *to
  Change c;
  each_present(o, p->hits, [&](mailstore::MailboxIndex& ix, const mailstore::MessageInfo& mi, const Hit& h) {
    auto& target = targets[h.maildir];
    if (!target) {
      mailstore::Folders folders(h.maildir);
      if (!folders.exists(*to))
        if (auto s = folders.create(*to); !s) return log::warning(h.user, ": ", s.error().what);
      auto opened = mailstore::MailboxIndex::open(folders.dir(*to));
      if (!opened) return log::warning(h.user, " ", *to, ": ", opened.error().what);
      target = std::make_unique<mailstore::MailboxIndex>(std::move(*opened));
    }
    auto nu = target->add_file(ix.path(mi), mi.flags());
    if (!nu) return log::warning(h.user, " ", h.folder, " UID ", h.uid, ": ", nu.error().what);
    if (auto s = ix.remove(h.uid); !s) log::warning(h.user, " ", h.folder, " UID ", h.uid, ": ", s.error().what);
    c.done.push_back(h);
    c.records.push_back(audit_record(o, "move", h, detail + "; new UID " + std::to_string(*nu)));
  });
  for (const auto& [maildir, target] : targets)
    if (target) note_changed(o, target->folder());
  write_audit(o, c.records);
  return finish(o, "moved", c.done, p->hits.size());
}

void change_options(CLI::App* sc, Opts& o) {
  add_scope_options(sc, o);
  sc->add_option("QUERY", o.query_words, "the query (posta-mail(8) QUERY LANGUAGE)")->required();
  sc->add_flag("--dry-run,-n", o.dry_run, "list what would go, change nothing");
  sc->add_flag("--json", o.json, "a JSON array");
}

}  // namespace

std::vector<Hit> remove_hits(const Opts& o, const std::vector<accounts::UserRecord>& users, const std::vector<Hit>& hits,
                             const std::string& action, const std::string& detail) {
  Change c;
  std::string home = admin::home_or_default(o.home);
  auto holds = Control(home).lines("legalhold");
  each_present(o, hits, [&](mailstore::MailboxIndex& ix, const mailstore::MessageInfo& mi, const Hit& h) {
    int64_t bytes = static_cast<int64_t>(mi.size);
    if (retention::on_hold(holds, h.user))  // the held store gets it first, or it stays
      if (auto s = retention::keep_copy(home, h.user, ix.path(mi)); !s)
        return log::warning(h.user, " is on legal hold and ", s.error().what, ": UID ", h.uid, " kept");
    if (auto s = ix.remove(h.uid); !s) {
      log::warning(h.user, " ", h.folder, " UID ", h.uid, ": ", s.error().what);
      return;
    }
    auto& q = c.quota[h.user];
    q.first -= bytes;
    q.second -= 1;
    c.done.push_back(h);
    c.records.push_back(audit_record(o, action, h, detail));
  });
  tell_quota(users, c);
  write_audit(o, c.records);
  return c.done;
}

void register_change(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("expunge", "remove the messages a query matches (logged in the audit log)");
  change_options(sc, o);
  sc->callback([&] { action = [&] { return expunge(o); }; });

  sc = app.add_subcommand("move", "move the messages a query matches to another folder of the same user");
  change_options(sc, o);
  sc->add_option("--to", o.to_folder, "the folder (created when missing)")->required();
  sc->callback([&] { action = [&] { return move(o); }; });
}

}  // namespace posta::mailcmd
