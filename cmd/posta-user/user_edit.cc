// posta-user add|del|passwd|set|enable|disable
#include <iostream>

#include "accounts/mailbox.h"
#include "admin/record_edit.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "log/log.h"
#include "user.h"

namespace posta::usercmd {
namespace {

using accounts::UserRecord;

Error not_found(const std::string& a) { return Error{"no such user " + a, accounts::kErrNotFound}; }

// Applies the value options given on the command line to u.
Status apply(const Opts& o, UserRecord& u) {
  if (auto st = admin::assign_size(o.quota_bytes, u.quota_bytes); !st) return st;
  if (auto st = admin::assign_count(o.quota_messages, u.quota_messages); !st) return st;
  if (!o.maildir.empty()) {
    if (o.maildir[0] != '/') return fail("--maildir must be an absolute path", accounts::kErrInvalid);
    u.maildir = o.maildir;
  }
  if (!o.store_host.empty()) u.store_host = o.store_host == "-" ? "" : o.store_host;
  if (o.master) u.master = true;
  if (o.no_master) u.master = false;
  return {};
}

int add(const Context& c, const Opts& o) {
  auto a = accounts::valid_address(o.address);
  if (!a) return admin::report(Error{"invalid address: " + a.error().what, accounts::kErrInvalid});
  UserRecord u;
  u.address = o.address;
  u.enabled = !o.disabled;
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  auto dom = acc->find_domain(a->domain);
  if (!dom) return admin::report(dom.error());
  if (!*dom) return admin::report(Error{"unknown domain " + a->domain + " (add it with posta-domain add)", accounts::kErrNotFound});
  u.quota_bytes = (*dom)->default_quota_bytes;
  u.quota_messages = (*dom)->default_quota_messages;
  if (auto st = apply(o, u); !st) return admin::report(st.error());
  auto hash = admin::obtain_hash({o.password_stdin, o.password_hash, o.no_password});
  if (!hash) return admin::report(hash.error());
  u.password_hash = *hash;
  if (auto st = acc->add_user(u); !st) return admin::report(st.error());
  auto added = acc->find_user(o.address);
  if (!added || !*added) return admin::report(added ? not_found(o.address) : added.error());
  if (auto st = accounts::create_maildir((*added)->maildir); !st) {
    (void)acc->del_user(o.address);
    return admin::report(st.error());
  }
  log::info("added user ", (*added)->address, " maildir=", (*added)->maildir);
  return kExitOk;
}

int del(const Context& c, const Opts& o) {
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  auto u = acc->find_user(o.address);
  if (!u) return admin::report(u.error());
  if (!*u) return admin::report(not_found(o.address));
  if (auto st = acc->del_user(o.address); !st) return admin::report(st.error());
  if (o.purge) {
    if (auto st = accounts::remove_maildir((*u)->maildir); !st) return admin::report(st.error());
    log::info("deleted user ", (*u)->address, " and removed ", (*u)->maildir);
  } else {
    log::info("deleted user ", (*u)->address, " (Maildir ", (*u)->maildir, " kept)");
  }
  return kExitOk;
}

// Reads, changes with fn, writes back; fn may fail.
int modify(const Context& c, const Opts& o, const std::function<Status(UserRecord&)>& fn) {
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  auto u = acc->find_user(o.address, true);  // put_user rewrites the password too
  if (!u) return admin::report(u.error());
  if (!*u) return admin::report(not_found(o.address));
  if (auto st = fn(**u); !st) return admin::report(st.error());
  if (auto st = acc->put_user(**u); !st) return admin::report(st.error());
  return kExitOk;
}

int passwd(const Context& c, const Opts& o) {
  auto hash = admin::obtain_hash({o.password_stdin, o.password_hash, o.no_password});
  if (!hash) return admin::report(hash.error());
  return modify(c, o, [&](UserRecord& u) -> Status {
    u.password_hash = *hash;
    return {};
  });
}

int set(const Context& c, const Opts& o) {
  return modify(c, o, [&](UserRecord& u) { return apply(o, u); });
}

int enable(const Context& c, const Opts& o) {
  return modify(c, o, [](UserRecord& u) -> Status {
    u.enabled = true;
    return {};
  });
}

int disable(const Context& c, const Opts& o) {
  return modify(c, o, [](UserRecord& u) -> Status {
    u.enabled = false;
    return {};
  });
}

void password_options(CLI::App* sc, Opts& o) {
  sc->add_flag("--password-stdin", o.password_stdin, "read the password from the first line of stdin");
  sc->add_option("--password-hash", o.password_hash, "store this crypt(3) hash ({SHA512-CRYPT}... accepted)");
  sc->add_flag("--no-password", o.no_password, "no password: the user cannot log in");
}

void value_options(CLI::App* sc, Opts& o) {
  sc->add_option("--quota-bytes", o.quota_bytes, "mailbox size limit, e.g. 2G (0 = unlimited)");
  sc->add_option("--quota-messages", o.quota_messages, "message count limit (0 = unlimited)");
  sc->add_option("--maildir", o.maildir, "absolute Maildir path (default HOME/mail/DOMAIN/LOCAL/)");
  sc->add_option("--store-host", o.store_host, "store host of the mailbox (- = this host)");
  sc->add_flag("--master", o.master, "master user: may log in as user*master@domain");
}

}  // namespace

void register_edit(CLI::App& app, Context& ctx, Opts& o, Action& action) {
  auto on = [&action, &ctx, &o](int (*fn)(const Context&, const Opts&)) {
    return [&action, &ctx, &o, fn] { action = [&ctx, &o, fn] { return fn(ctx, o); }; };
  };
  auto* sc = app.add_subcommand("add", "add a user and create its Maildir");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  password_options(sc, o);
  value_options(sc, o);
  sc->add_flag("--disabled", o.disabled, "add it disabled");
  sc->callback(on(add));

  sc = app.add_subcommand("del", "delete a user (its Maildir is kept unless --purge)");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  sc->add_flag("--purge", o.purge, "also remove the Maildir");
  sc->callback(on(del));

  sc = app.add_subcommand("passwd", "change a user's password");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  password_options(sc, o);
  sc->callback(on(passwd));

  sc = app.add_subcommand("set", "change a user's settings");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  value_options(sc, o);
  sc->add_flag("--no-master", o.no_master, "no longer a master user");
  sc->callback(on(set));

  sc = app.add_subcommand("enable", "allow logins and mail again");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  sc->callback(on(enable));

  sc = app.add_subcommand("disable", "refuse logins and mail (5.2.1)");
  sc->add_option("ADDRESS", o.address, "user@domain")->required();
  sc->callback(on(disable));
}

Result<accounts::Accounts> open(const Context& c, bool write) {
  auto acc = admin::open_for(admin::home_or_default(c.home), write);
  if (!acc || !write) return acc;
  // Before the first write: hashes an older posta left in users.db move to secret/secrets.db.
  auto moved = acc->migrate_secrets();
  if (!moved) return std::unexpected(moved.error());
  if (*moved) log::info("moved ", *moved, " password hashes from users.db to secret/secrets.db");
  return acc;
}

}  // namespace posta::usercmd
