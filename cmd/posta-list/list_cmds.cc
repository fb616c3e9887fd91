// posta-list create|del|add|remove|members|list|show|set|import|export
#include <algorithm>
#include <iostream>

#include "admin/format.h"
#include "accounts/lookup.h"
#include "admin/output.h"
#include "admin/record_edit.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "list.h"
#include "log/log.h"

namespace posta::listcmd {
namespace {

using accounts::ListRecord;
namespace fmt = admin::format;

Result<accounts::Accounts> open(const Opts& o, bool write) {
  return admin::open_for(admin::home_or_default(o.home), write);
}

// Applies --posting --reply-to --description and the moderator options.
Status apply(const Opts& o, ListRecord& l) {
  if (!o.posting.empty()) {
    auto p = accounts::parse_posting_policy(o.posting);
    if (!p) return std::unexpected(p.error());
    l.posting = *p;
  }
  if (!o.reply_to.empty()) {
    auto r = accounts::parse_reply_to_policy(o.reply_to);
    if (!r) return std::unexpected(r.error());
    l.reply_to = *r;
  }
  if (o.description_set) l.description = o.description;
  for (const auto& m : o.moderators) l.moderators.push_back(m);
  for (const auto& m : o.add_moderators)
    if (std::find(l.moderators.begin(), l.moderators.end(), m) == l.moderators.end()) l.moderators.push_back(m);
  for (const auto& m : o.remove_moderators) std::erase(l.moderators, m);
  return {};
}

int create(const Opts& o) {
  ListRecord l;
  l.address = o.address;
  if (auto st = apply(o, l); !st) return admin::report(st.error());
  auto acc = open(o, true);
  if (!acc) return admin::report(acc.error());
  if (auto st = acc->add_list(l); !st) return admin::report(st.error());
  log::info("created list ", o.address);
  return kExitOk;
}

int del(const Opts& o) {
  auto acc = open(o, true);
  if (!acc) return admin::report(acc.error());
  if (auto st = acc->del_list(o.address); !st) return admin::report(st.error());
  log::info("deleted list ", o.address);
  return kExitOk;
}

// Reads the list, lets fn change it, writes it back.
int modify(const Opts& o, const std::function<Status(ListRecord&)>& fn) {
  auto acc = open(o, true);
  if (!acc) return admin::report(acc.error());
  auto l = acc->find_list(o.address);
  if (!l) return admin::report(l.error());
  if (!*l) return admin::report(Error{"no such list " + o.address, accounts::kErrNotFound});
  if (auto st = fn(**l); !st) return admin::report(st.error());
  if (auto st = acc->put_list(**l); !st) return admin::report(st.error());
  return kExitOk;
}

// Members compare case-insensitively (as addresses do in the databases).
bool same_address(const std::string& a, const std::string& b) {
  auto x = accounts::valid_address(a), y = accounts::valid_address(b);
  return x && y ? x->key() == y->key() : a == b;
}

int add(const Opts& o) {
  return modify(o, [&](ListRecord& l) -> Status {
    for (const auto& m : o.addresses) {
      if (std::any_of(l.members.begin(), l.members.end(), [&](const auto& x) { return same_address(x, m); }))
        return fail(m + " is already a member of " + l.address, accounts::kErrExists);
      l.members.push_back(m);
    }
    return {};
  });
}

int remove(const Opts& o) {
  return modify(o, [&](ListRecord& l) -> Status {
    for (const auto& m : o.addresses) {
      auto it = std::find_if(l.members.begin(), l.members.end(), [&](const auto& x) { return same_address(x, m); });
      if (it == l.members.end()) return fail(m + " is not a member of " + l.address, accounts::kErrNotFound);
      l.members.erase(it);
    }
    return {};
  });
}

int set(const Opts& o) { return modify(o, [&](ListRecord& l) { return apply(o, l); }); }

Result<ListRecord> find(accounts::Accounts& acc, const std::string& address) {
  auto l = acc.find_list(address);
  if (!l) return std::unexpected(l.error());
  if (!*l) return fail("no such list " + address, accounts::kErrNotFound);
  return **l;
}

int members(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto l = find(*acc, o.address);
  if (!l) return admin::report(l.error());
  if (o.json) std::cout << admin::json_array(l->members) << "\n";
  else
    for (const auto& m : l->members) std::cout << m << "\n";
  return admin::flush_stdout();
}

int show(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto l = find(*acc, o.address);
  if (!l) return admin::report(l.error());
  std::cout << (o.json ? fmt::list_json(*l) + "\n" : fmt::list_text(*l));
  return admin::flush_stdout();
}

int list(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto ls = acc->lists(o.address);
  if (!ls) return admin::report(ls.error());
  return admin::print_records(*ls, o.json, fmt::list_json);
}

int export_tsv(const Opts& o) {
  auto acc = open(o, false);
  if (!acc) return admin::report(acc.error());
  auto ls = acc->lists(o.address);
  if (!ls) return admin::report(ls.error());
  return admin::print_tsv(fmt::kListTsvHeader, *ls, fmt::list_tsv);
}

int import_tsv(const Opts& o) {
  return admin::import_tsv<ListRecord>(
      std::cin, o.home, o.replace,
      {"lists", fmt::parse_list_tsv, &accounts::Accounts::add_list, &accounts::Accounts::put_list});
}

void policy_options(CLI::App* sc, Opts& o) {
  sc->add_option("--posting", o.posting, "who may post: members, anyone or moderators");
  sc->add_option("--reply-to", o.reply_to, "sender (leave Reply-To alone) or list (Reply-To: the list)");
  sc->add_option("--description", o.description, "one line, shown in List-Id")
      ->each([&o](const std::string&) { o.description_set = true; });
}

}  // namespace

void register_all(CLI::App& app, Opts& o, Action& action) {
  auto on = [&action, &o](int (*fn)(const Opts&)) {
    return [&action, &o, fn] { action = [&o, fn] { return fn(o); }; };
  };
  auto* sc = app.add_subcommand("create", "create a list");
  sc->add_option("LIST", o.address, "list@domain (the domain must exist)")->required();
  policy_options(sc, o);
  sc->add_option("--moderator", o.moderators, "a moderator (repeatable)");
  sc->callback(on(create));

  sc = app.add_subcommand("del", "delete a list");
  sc->add_option("LIST", o.address, "list@domain")->required();
  sc->callback(on(del));

  sc = app.add_subcommand("add", "add members");
  sc->add_option("LIST", o.address, "list@domain")->required();
  sc->add_option("MEMBER", o.addresses, "member addresses")->required();
  sc->callback(on(add));

  sc = app.add_subcommand("remove", "remove members");
  sc->add_option("LIST", o.address, "list@domain")->required();
  sc->add_option("MEMBER", o.addresses, "member addresses")->required();
  sc->callback(on(remove));

  sc = app.add_subcommand("members", "print the members, one per line");
  sc->add_option("LIST", o.address, "list@domain")->required();
  sc->add_flag("--json", o.json, "JSON array");
  sc->callback(on(members));

  admin::add_record_commands(app, {"list", "lists", "LIST", &o.address, &o.json, on(list), on(show), on(export_tsv)});

  sc = app.add_subcommand("set", "change a list's settings");
  sc->add_option("LIST", o.address, "list@domain")->required();
  policy_options(sc, o);
  sc->add_option("--add-moderator", o.add_moderators, "add a moderator (repeatable)");
  sc->add_option("--remove-moderator", o.remove_moderators, "remove a moderator (repeatable)");
  sc->callback(on(set));

  sc = app.add_subcommand("import", "add lists from TSV on stdin (posta-list export format)");
  sc->add_flag("--replace", o.replace, "overwrite existing lists instead of failing");
  sc->callback(on(import_tsv));
}

}  // namespace posta::listcmd
