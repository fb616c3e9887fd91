// posta-user list|show|export|import
#include <iostream>

#include "admin/format.h"
#include "accounts/mailbox.h"
#include "admin/output.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "log/log.h"
#include "user.h"

namespace posta::usercmd {
namespace {

using accounts::UserRecord;
namespace fmt = admin::format;

int list(const Context& c, const Opts& o) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto us = acc->users(o.address, o.json);  // JSON says has_password: it reads secrets.db
  if (!us) return admin::report(us.error());
  return admin::print_records(*us, o.json, fmt::user_json);
}

int show(const Context& c, const Opts& o) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto u = acc->find_user(o.address, true);
  if (!u) return admin::report(u.error());
  if (!*u) return admin::report(Error{"no such user " + o.address, accounts::kErrNotFound});
  std::cout << (o.json ? fmt::user_json(**u) + "\n" : fmt::user_text(**u));
  return admin::flush_stdout();
}

int export_tsv(const Context& c, const Opts& o) {
  auto acc = open(c, false);
  if (!acc) return admin::report(acc.error());
  auto us = acc->users(o.address, true);
  if (!us) return admin::report(us.error());
  return admin::print_tsv(fmt::kUserTsvHeader, *us, [&](const UserRecord& u) { return fmt::user_tsv(u, acc->home()); });
}

// Every row is parsed and its address checked before anything is written.
Result<std::vector<UserRecord>> read_rows() {
  std::vector<UserRecord> rows;
  std::string line;
  for (size_t n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    auto u = fmt::parse_user_tsv(line);
    if (u) {
      if (auto a = accounts::valid_address(u->address); !a) u = std::unexpected(a.error());
    }
    if (!u) return fail(log::cat("line ", n, ": ", u.error().what), u.error().code);
    rows.push_back(std::move(*u));
  }
  if (std::cin.bad()) return fail_sys("unable to read stdin");
  return rows;
}

int import_tsv(const Context& c, const Opts& o) {
  auto rows = read_rows();
  if (!rows) return admin::report(rows.error());
  auto acc = open(c, true);
  if (!acc) return admin::report(acc.error());
  size_t batch = o.batch ? o.batch : 1, done = 0;
  for (size_t i = 0; i < rows->size(); i += batch) {
    std::vector<UserRecord> part(rows->begin() + i, rows->begin() + std::min(rows->size(), i + batch));
    if (auto st = acc->import_users(part, o.replace); !st) {
      log::info("imported ", done, " users before the failure");
      return admin::report(st.error());
    }
    for (const auto& u : part) {
      if (o.no_maildir) break;
      auto rec = acc->find_user(u.address);
      if (!rec || !*rec) return admin::report(rec ? Error{"user vanished: " + u.address, 0} : rec.error());
      if (auto st = accounts::create_maildir((*rec)->maildir); !st) return admin::report(st.error());
    }
    done += part.size();
  }
  log::info("imported ", done, " users");
  return kExitOk;
}

}  // namespace

void register_view(CLI::App& app, Context& ctx, Opts& o, Action& action) {
  auto on = [&action, &ctx, &o](int (*fn)(const Context&, const Opts&)) {
    return [&action, &ctx, &o, fn] { action = [&ctx, &o, fn] { return fn(ctx, o); }; };
  };
  admin::add_record_commands(app, {"user", "users", "ADDRESS", &o.address, &o.json, on(list), on(show), on(export_tsv)});

  auto* sc = app.add_subcommand("import", "add users from TSV on stdin (posta-user export format)");
  sc->add_flag("--replace", o.replace, "overwrite existing users instead of failing");
  sc->add_flag("--no-maildir", o.no_maildir, "do not create Maildirs");
  sc->add_option("--batch", o.batch, "users per transaction (default 100)")->check(CLI::Range(1, 10000));
  sc->callback(on(import_tsv));
}

}  // namespace posta::usercmd
