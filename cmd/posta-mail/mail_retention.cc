// posta-mail retention: one pass of the retention rules (control/retention) over the users'
// folders, sparing the users on legal hold (control/legalhold); what it removed is listed
// as search lists messages, and audited one record a message.
#include <ctime>

#include "accounts/address.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "mail.h"
#include "mailstore/folders.h"
#include "retention/policy.h"

namespace posta::mailcmd {
namespace {

using accounts::kErrInvalid;

// "before:<day>" of the day `days` days before now (UTC): messages that arrived on an
// earlier day are older than the rule allows.
mailsearch::Query older_than(unsigned days, time_t now) {
  mailsearch::Query q;
  q.kind = mailsearch::Query::Kind::kBefore;
  time_t cut = now - static_cast<time_t>(days) * 86400;
  q.date = cut - cut % 86400;
  return q;
}

int retention_pass(const Opts& o) {
  std::string home = admin::home_or_default(o.home);
  Control control(home);
  auto rules = retention::parse_rules(control.lines("retention"));
  if (!rules) return report(Error{rules.error().what, kErrInvalid});
  if (rules->empty()) {
    log::info("no rules in control/retention: nothing to do");
    return kExitOk;
  }
  auto holds = control.lines("legalhold");
  Opts scoped = o;
  if (scoped.users.empty() && scoped.domain.empty()) scoped.all = true;
  auto users = scope_users(scoped);
  if (!users) return report(users.error());
  time_t now = ::time(nullptr);
  std::vector<Hit> gone;
  size_t held = 0;
  for (const auto& u : *users) {
    if (retention::on_hold(holds, u.address)) {
      ++held;
      log::info("legal hold: nothing of ", u.address, " removed");
      continue;
    }
    std::string md = maildir_of(u);
    for (const auto& folder : mailstore::Folders(md).list()) {
      const auto* rule = retention::rule_for(*rules, u.domain, folder);
      if (!rule) continue;
      std::vector<Hit> old;
      find_in_folder(u, md, folder, older_than(rule->days, now), old);
      if (old.empty()) continue;
      if (o.dry_run) {
        gone.insert(gone.end(), old.begin(), old.end());
        continue;
      }
      std::string detail = "older than " + std::to_string(rule->days) + " days (rule " + rule->domain + " " +
                           rule->folder + " " + std::to_string(rule->days) + ")";
      auto removed = remove_hits(o, *users, old, "retention", detail);
      gone.insert(gone.end(), removed.begin(), removed.end());
    }
  }
  log::info(o.dry_run ? "would remove " : "removed ", gone.size(), " messages of ", users->size() - held, " users (",
            held, " on legal hold)");
  return print_hits(gone, o.json);
}

}  // namespace

void register_retention(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("retention", "remove what control/retention says is too old, except for users on legal hold");
  add_scope_options(sc, o);
  sc->add_flag("--dry-run,-n", o.dry_run, "list what would go, change nothing");
  sc->add_flag("--json", o.json, "a JSON array");
  sc->callback([&] { action = [&] { return retention_pass(o); }; });
}

}  // namespace posta::mailcmd
