// posta-alias add|del|list|show|import|export
#include <iostream>

#include "admin/format.h"
#include "accounts/lookup.h"
#include "admin/output.h"
#include "admin/record_edit.h"
#include "admin/tool.h"
#include "alias.h"
#include "base/exitcode.h"
#include "log/log.h"

namespace posta::aliascmd {
namespace {

using accounts::AliasRecord;
namespace fmt = admin::format;

Result<accounts::Accounts> open(const Opts& o, bool write) {
  return admin::open_for(admin::home_or_default(o.home), write);
}

int add(const Opts& o) {
  AliasRecord a{o.address, o.targets, o.keep_copy};
  auto acc = open(o, true);
  if (!acc) return admin::report(acc.error());
  if (auto st = o.replace ? acc->put_alias(a) : acc->add_alias(a); !st) return admin::report(st.error());
  log::info(o.replace ? "changed alias " : "added alias ", o.address);
  return kExitOk;
}

int del(const Opts& o) {
  auto acc = open(o, true);
  if (!acc) return admin::report(acc.error());
  if (auto st = acc->del_alias(o.address); !st) return admin::report(st.error());
  log::info("deleted alias ", o.address);
  return kExitOk;
}

int list(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto as = acc->aliases(o.address);
  if (!as) return admin::report(as.error());
  return admin::print_records(*as, o.json, fmt::alias_json, [](const AliasRecord& a) {
    std::string line = a.address + ":";
    for (size_t j = 0; j < a.targets.size(); ++j) line += (j ? ", " : " ") + a.targets[j];
    return line + (a.keep_copy ? " (keep copy)" : "");
  });
}

int show(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto a = acc->find_alias(o.address);
  if (!a) return admin::report(a.error());
  if (!*a) return admin::report(Error{"no such alias " + o.address, accounts::kErrNotFound});
  std::cout << (o.json ? fmt::alias_json(**a) + "\n" : fmt::alias_text(**a));
  return admin::flush_stdout();
}

int export_tsv(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto as = acc->aliases(o.address);
  if (!as) return admin::report(as.error());
  return admin::print_tsv(fmt::kAliasTsvHeader, *as, fmt::alias_tsv);
}

int import_tsv(const Opts& o) {
  return admin::import_tsv<AliasRecord>(std::cin, o.home, o.replace,
                                        {"aliases", fmt::parse_alias_tsv, &accounts::Accounts::add_alias,
                                         &accounts::Accounts::put_alias});
}

}  // namespace

void register_all(CLI::App& app, Opts& o, Action& action) {
  auto on = [&action, &o](int (*fn)(const Opts&)) {
    return [&action, &o, fn] { action = [&o, fn] { return fn(o); }; };
  };
  auto* sc = app.add_subcommand("add", "add an alias forwarding to one or more addresses");
  sc->add_option("ADDRESS", o.address, "alias@domain (the domain must exist)")->required();
  sc->add_option("TARGET", o.targets, "target addresses")->required();
  sc->add_flag("--keep-copy", o.keep_copy, "also deliver to the user with the alias's address");
  sc->add_flag("--replace", o.replace, "change an existing alias instead of adding one");
  sc->callback(on(add));

  sc = app.add_subcommand("del", "delete an alias");
  sc->add_option("ADDRESS", o.address, "alias@domain")->required();
  sc->callback(on(del));

  admin::add_record_commands(app, {"alias", "aliases", "ADDRESS", &o.address, &o.json, on(list), on(show), on(export_tsv)});

  sc = app.add_subcommand("import", "add aliases from TSV on stdin (posta-alias export format)");
  sc->add_flag("--replace", o.replace, "overwrite existing aliases instead of failing");
  sc->callback(on(import_tsv));
}

}  // namespace posta::aliascmd
