// Whose mail a subcommand touches, the change to the mail store owner, the query, and the
// audit records and progress every subcommand shares.
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "accounts/address.h"
#include "accounts/lookup.h"
#include "admin/tool.h"
#include "log/log.h"
#include "mail.h"
#include "proc/privilege.h"

namespace posta::mailcmd {

using accounts::kErrInvalid, accounts::kErrNotFound;

int report(const Error& e) { return e.what.empty() ? admin::exit_code(e) : admin::report(e); }

Status become_mail_owner(const std::string& home) {
  if (::geteuid() != 0) return {};
  auto owner = instance_owner(home + "/mail");
  if (!owner) return std::unexpected(owner.error());
  if (owner->uid == 0) return {};
  return assume(*owner);
}

Result<std::vector<accounts::UserRecord>> scope_users(const Opts& o) {
  int given = (o.users.empty() ? 0 : 1) + (o.domain.empty() ? 0 : 1) + (o.all ? 1 : 0);
  if (given != 1) return fail("give exactly one of --user, --domain, --all", kErrInvalid);
  std::string home = admin::home_or_default(o.home);
  POSTA_TRY(auto acc, admin::open_for(home, false));
  std::vector<accounts::UserRecord> out;
  if (!o.users.empty()) {
    for (const auto& a : o.users) {
      POSTA_TRY(auto u, acc.find_user(a));
      if (!u) return fail("no such user " + a, kErrNotFound);
      out.push_back(std::move(*u));
    }
  } else {
    std::string domain;
    if (!o.all) {
      POSTA_TRY(domain, accounts::valid_domain(o.domain));
      POSTA_TRY(auto d, acc.find_domain(domain));
      if (!d) return fail("no such domain " + domain, kErrNotFound);
    }
    POSTA_TRY(out, acc.users(domain));
  }
  if (auto s = become_mail_owner(home); !s) return std::unexpected(s.error());
  return out;
}

Result<accounts::UserRecord> one_user(const Opts& o, const std::string& address) {
  Opts one = o;
  one.users = {address};
  one.domain.clear();
  one.all = false;
  POSTA_TRY(auto users, scope_users(one));
  return users.front();
}

Result<mailsearch::Query> query_of(const Opts& o, bool empty_is_all) {
  std::string text;
  for (const auto& w : o.query_words) text += (text.empty() ? "" : " ") + w;
  if (text.empty() && empty_is_all) text = "all";
  auto q = mailsearch::parse_query(text);
  if (!q) {
    log::error("bad query: ", mailsearch::describe(q.error()));
    std::fputs(mailsearch::point_at(q.error(), text).c_str(), stderr);
    return fail("", kErrInvalid);  // reported
  }
  return *q;
}

audit::Record audit_record(const Opts& o, std::string action, const Hit& h, std::string detail) {
  return audit::Record{static_cast<int64_t>(::time(nullptr)), o.invoker, "posta-mail", std::move(action), h.user,
                       h.folder, h.uid ? std::to_string(h.uid) : "", h.message_id, std::move(detail)};
}

void audit_lookup(const Opts& o, const std::string& action, const mailsearch::Query& q, size_t found) {
  std::string scope = o.all ? "all users" : !o.domain.empty() ? "domain " + o.domain : "";
  for (const auto& u : o.users) scope += (scope.empty() ? "users " : " ") + u;
  Hit h{o.users.size() == 1 ? o.users[0] : "", "", "", 0, 0, 0, "", "", "", "", ""};
  write_audit(o, {audit_record(o, action, h, scope + "; query: " + mailsearch::to_text(q) + "; " + std::to_string(found) + " found")});
}

void write_audit(const Opts& o, const std::vector<audit::Record>& records) {
  if (auto s = audit::append(admin::home_or_default(o.home), records); !s)
    log::warning("audit log not written: ", s.error().what);
}

void show_progress(const char* label, size_t done, size_t total) {
  static const bool tty = ::isatty(2) != 0;
  if (!tty) return;
  std::fprintf(stderr, "\r%s %zu/%zu", label, done, total);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace posta::mailcmd
