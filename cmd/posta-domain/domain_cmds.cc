// posta-domain add|del|list|show|set|import|export
#include <iostream>
#include <memory>

#include "admin/format.h"
#include "accounts/lookup.h"
#include "admin/record_edit.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "domain.h"
#include "log/log.h"

namespace posta::domaincmd {
namespace {

using accounts::Accounts;
using accounts::DomainRecord;
namespace fmt = admin::format;

struct Opts {
  std::string name;
  bool json = false, force = false;
  std::string max_accounts, quota_bytes, quota_messages, catchall, dkim_selector;
  bool no_catchall = false, enable = false, disable = false;
};

Result<Accounts> open(const Context& c, bool write) { return admin::open_for(admin::home_or_default(c.home), write); }

// Applies the value options given to d; error for a malformed value.
Status apply(const Opts& o, DomainRecord& d) {
  if (auto st = admin::assign_count(o.max_accounts, d.max_accounts); !st) return st;
  if (auto st = admin::assign_size(o.quota_bytes, d.default_quota_bytes); !st) return st;
  if (auto st = admin::assign_count(o.quota_messages, d.default_quota_messages); !st) return st;
  if (!o.catchall.empty()) d.catchall = o.catchall;
  if (o.no_catchall) d.catchall.clear();
  if (!o.dkim_selector.empty()) d.dkim_selector = o.dkim_selector;
  if (o.enable) d.enabled = true;
  if (o.disable) d.enabled = false;
  return {};
}

int add(const Context& c, const Opts& o) {
  DomainRecord d;
  d.name = o.name;
  if (auto st = apply(o, d); !st) return admin::report(st.error());
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  if (auto st = acc->add_domain(d); !st) return admin::report(st.error());
  log::info("added domain ", accounts::valid_domain(o.name).value_or(o.name));
  return kExitOk;
}

int del(const Context& c, const Opts& o) {
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  if (auto st = acc->del_domain(o.name, o.force); !st) return admin::report(st.error());
  log::info("deleted domain ", o.name);
  return kExitOk;
}

int set(const Context& c, const Opts& o) {
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  auto d = acc->find_domain(o.name);
  if (!d) return admin::report(d.error());
  if (!*d) return admin::report(Error{"unknown domain " + o.name, accounts::kErrNotFound});
  if (auto st = apply(o, **d); !st) return admin::report(st.error());
  if (auto st = acc->put_domain(**d); !st) return admin::report(st.error());
  return kExitOk;
}

int list(const Context& c, const Opts& o) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto ds = acc->domains();
  if (!ds) return admin::report(ds.error());
  if (o.json) std::cout << "[";
  bool first = true;
  for (const auto& d : *ds) {
    if (!o.json) {
      std::cout << d.name << "\n";
      continue;
    }
    auto n = acc->count_users(d.name);
    if (!n) return admin::report(n.error());
    std::cout << (first ? "" : ",") << fmt::domain_json(d, *n);
    first = false;
  }
  if (o.json) std::cout << "]\n";
  return std::cout.flush() ? kExitOk : kExitTemporary;
}

int show(const Context& c, const Opts& o) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto d = acc->find_domain(o.name);
  if (!d) return admin::report(d.error());
  if (!*d) return admin::report(Error{"unknown domain " + o.name, accounts::kErrNotFound});
  auto n = acc->count_users((*d)->name);
  if (!n) return admin::report(n.error());
  std::cout << (o.json ? fmt::domain_json(**d, *n) + "\n" : fmt::domain_text(**d, *n));
  return std::cout.flush() ? kExitOk : kExitTemporary;
}

int export_tsv(const Context& c) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto ds = acc->domains();
  if (!ds) return admin::report(ds.error());
  std::cout << fmt::kDomainTsvHeader << "\n";
  for (const auto& d : *ds) std::cout << fmt::domain_tsv(d) << "\n";
  return std::cout.flush() ? kExitOk : kExitTemporary;
}

int import_tsv(const Context& c, const Opts& o) {
  return admin::import_tsv<DomainRecord>(
      std::cin, c.home, o.force, {"domains", fmt::parse_domain_tsv, &Accounts::add_domain, &Accounts::put_domain});
}

void value_options(CLI::App* sc, Opts& o) {
  sc->add_option("--max-accounts", o.max_accounts, "at most N users (0 = unlimited)");
  sc->add_option("--quota-bytes", o.quota_bytes, "default quota of new users, e.g. 1G (0 = unlimited)");
  sc->add_option("--quota-messages", o.quota_messages, "default message quota of new users (0 = unlimited)");
  sc->add_option("--catchall", o.catchall, "address that receives mail for unknown local parts");
  sc->add_option("--dkim-selector", o.dkim_selector, "DKIM selector used to sign this domain's mail");
}

}  // namespace

void register_core(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<Opts>();
  auto on = [&action, &ctx, o](int (*fn)(const Context&, const Opts&)) {
    return [&action, &ctx, o, fn] { action = [&ctx, o, fn] { return fn(ctx, *o); }; };
  };
  auto* sc = app.add_subcommand("add", "add a domain");
  sc->add_option("DOMAIN", o->name, "domain name")->required();
  value_options(sc, *o);
  sc->add_flag("--disabled", o->disable, "add it disabled");
  sc->callback(on(add));

  sc = app.add_subcommand("del", "delete a domain (refused while it has users, aliases or lists)");
  sc->add_option("DOMAIN", o->name, "domain name")->required();
  sc->add_flag("--force", o->force, "also delete its users, aliases and lists (Maildirs are kept)");
  sc->callback(on(del));

  sc = app.add_subcommand("set", "change a domain's settings");
  sc->add_option("DOMAIN", o->name, "domain name")->required();
  value_options(sc, *o);
  sc->add_flag("--no-catchall", o->no_catchall, "remove the catch-all");
  sc->add_flag("--enable", o->enable, "accept mail for the domain");
  sc->add_flag("--disable", o->disable, "refuse mail for the domain (5.2.1)");
  sc->callback(on(set));

  sc = app.add_subcommand("list", "list the domains");
  sc->add_flag("--json", o->json, "JSON array of objects");
  sc->callback(on(list));

  sc = app.add_subcommand("show", "show one domain");
  sc->add_option("DOMAIN", o->name, "domain name")->required();
  sc->add_flag("--json", o->json, "JSON object");
  sc->callback(on(show));

  sc = app.add_subcommand("export", "write every domain as TSV to stdout");
  sc->callback(on([](const Context& c, const Opts&) { return export_tsv(c); }));

  sc = app.add_subcommand("import", "add domains from TSV on stdin (posta-domain export format)");
  sc->add_flag("--replace", o->force, "overwrite existing domains instead of failing");
  sc->callback(on(import_tsv));
  for (auto* s : app.get_subcommands({})) s->fallthrough();
}

}  // namespace posta::domaincmd
