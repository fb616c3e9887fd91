// posta-user share|unshare|shares: folders shared with other users of the same domain
// (RFC 4314 rights, enforced by posta-imapd; the files: mailstore/acl.h).
#include <iostream>

#include "admin/output.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "base/strings.h"
#include "log/log.h"
#include "mailstore/acl.h"
#include "mailstore/folders.h"
#include "user.h"

namespace posta::usercmd {
namespace {

Error invalid(const std::string& what) { return Error{what, accounts::kErrInvalid}; }

// The owner's record and the folder (as IMAP names it: modified UTF-7, INBOX any case).
struct Target {
  accounts::UserRecord owner;
  std::string folder, dir;
};

Result<Target> target(accounts::Accounts& acc, const Opts& o) {
  auto u = acc.find_user(o.address);
  if (!u) return std::unexpected(u.error());
  if (!*u) return std::unexpected(Error{"no such user " + o.address, accounts::kErrNotFound});
  auto name = mailstore::check_mailbox_name(mailstore::utf8_to_mutf7(o.share_folder));
  if (!name) return std::unexpected(invalid("invalid folder name " + o.share_folder + ": " + name.error().what));
  Target t{**u, *name, ""};
  mailstore::Folders folders(strip_trailing_slash(t.owner.maildir));
  if (!folders.exists(t.folder)) return std::unexpected(Error{"no such folder " + t.folder + " of " + o.address, accounts::kErrNotFound});
  t.dir = folders.dir(t.folder);
  return t;
}

// The grantee: anyone, or an existing user of the owner's domain.
Result<std::string> grantee(accounts::Accounts& acc, const Target& t, const std::string& with) {
  auto id = mailstore::acl_identifier(with, t.owner.domain);
  if (!id) return std::unexpected(invalid(with + ": " + id.error().what));
  if (*id == lower(t.owner.address)) return std::unexpected(invalid("the owner always has every right"));
  if (*id == mailstore::kAnyone) return id;
  auto u = acc.find_user(*id);
  if (!u) return std::unexpected(u.error());
  if (!*u) return std::unexpected(Error{"no such user " + *id, accounts::kErrNotFound});
  return id;
}

int change(const Context& c, const Opts& o, bool grant) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto t = target(*acc, o);
  if (!t) return admin::report(t.error());
  auto id = grantee(*acc, *t, o.share_with);
  if (!id) return admin::report(id.error());
  mailstore::Rights rights;
  if (grant) {
    auto r = mailstore::Rights::parse(o.share_rights);
    if (!r || r->empty())
      return admin::report(invalid("invalid rights " + o.share_rights + " (letters of lrswipkxtea; unshare takes them all back)"));
    rights = *r;
  }
  std::string owner = lower(t->owner.address);
  if (auto s = mailstore::set_share(acc->home(), owner, t->folder, t->dir, *id, rights); !s) return admin::report(s.error());
  log::info(grant ? "shared " : "unshared ", t->folder, " of ", owner, " with ", *id, grant ? " rights=" + rights.str() : "");
  return kExitOk;
}

int share(const Context& c, const Opts& o) { return change(c, o, true); }
int unshare(const Context& c, const Opts& o) { return change(c, o, false); }

struct ShareRow {
  std::string owner, folder, identifier, rights;
};

std::string row_json(const ShareRow& r) {
  return "{\"owner\":" + admin::json_string(r.owner) + ",\"folder\":" + admin::json_string(r.folder) +
         ",\"identifier\":" + admin::json_string(r.identifier) + ",\"rights\":" + admin::json_string(r.rights) + "}";
}

// The folders of ADDRESS shared with others, then those of others shared with ADDRESS.
int shares(const Context& c, const Opts& o) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto u = acc->find_user(o.address);
  if (!u) return admin::report(u.error());
  if (!*u) return admin::report(Error{"no such user " + o.address, accounts::kErrNotFound});
  std::string me = lower((*u)->address);
  std::vector<ShareRow> rows;
  mailstore::Folders mine(strip_trailing_slash((*u)->maildir));
  for (auto& f : mine.list()) {
    auto acl = mailstore::Acl::load(mine.dir(f));
    if (!acl) return admin::report(acl.error());
    for (auto& [id, r] : acl->entries()) rows.push_back({me, f, id, r.str()});
  }
  mailstore::SharedIndex index(acc->home(), (*u)->domain);
  for (auto& s : index.shared_with(me)) {
    auto owner = acc->find_user(s.owner);
    if (!owner) return admin::report(owner.error());
    if (!*owner || s.owner == me) continue;
    mailstore::Folders theirs(strip_trailing_slash((*owner)->maildir));
    if (!theirs.exists(s.folder)) continue;
    auto acl = mailstore::Acl::load(theirs.dir(s.folder));
    if (!acl) return admin::report(acl.error());
    for (auto& [id, r] : acl->entries())
      if (id == me || id == mailstore::kAnyone) rows.push_back({s.owner, s.folder, id, r.str()});
  }
  return admin::print_records(rows, o.json, row_json, [](const ShareRow& r) {
    return r.owner + "\t" + r.folder + "\t" + r.identifier + "\t" + r.rights;
  });
}

}  // namespace

void register_share(CLI::App& app, Context& ctx, Opts& o, Action& action) {
  auto on = [&action, &ctx, &o](int (*fn)(const Context&, const Opts&)) {
    return [&action, &ctx, &o, fn] { action = [&ctx, &o, fn] { return fn(ctx, o); }; };
  };
  auto* sc = app.add_subcommand("share", "share a folder of a user with a user of the same domain (or anyone of it)");
  sc->add_option("ADDRESS", o.address, "the owner, user@domain")->required();
  sc->add_option("FOLDER", o.share_folder, "the folder (INBOX, Projects, Projects.2024)")->required();
  sc->add_option("WITH", o.share_with, "user@domain of the same domain, or anyone")->required();
  sc->add_option("RIGHTS", o.share_rights, "RFC 4314 rights, letters of lrswipkxtea (e.g. lr, lrswite)")->required();
  sc->callback(on(share));

  sc = app.add_subcommand("unshare", "take back every right of WITH on a folder");
  sc->add_option("ADDRESS", o.address, "the owner, user@domain")->required();
  sc->add_option("FOLDER", o.share_folder, "the folder")->required();
  sc->add_option("WITH", o.share_with, "user@domain or anyone")->required();
  sc->callback(on(unshare));

  sc = app.add_subcommand("shares", "list the folders a user shares and those shared with her");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  sc->add_flag("--json", o.json, "one JSON array");
  sc->callback(on(shares));
}

}  // namespace posta::usercmd
