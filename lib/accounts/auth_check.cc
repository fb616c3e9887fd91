#include "accounts/auth_check.h"

#include "accounts/password.h"
#include "accounts/ratelimit.h"
#include "control/control.h"
#include "log/log.h"

namespace posta::accounts {
namespace {

// The ratelimit key of a login as typed.
std::string failure_key(std::string_view login) { return "user:" + lower(std::string(login)); }

// Appends the default domain to a bare login.
std::string qualify(std::string_view login, const AuthSettings& s) {
  if (login.find('@') != std::string_view::npos || s.default_domain.empty()) return std::string(login);
  return std::string(login) + "@" + s.default_domain;
}

// with_password: the hash too (secrets.db), for the login whose password is checked.
Result<std::optional<UserRecord>> find(Accounts& acc, const std::string& login, bool with_password) {
  if (!valid_address(login)) return std::optional<UserRecord>();
  return acc.find_user(login, with_password);
}

// Whether the domain of rec is disabled (posta-domain set --disable).
Result<bool> in_disabled_domain(Accounts& acc, const UserRecord& rec) {
  auto a = valid_address(rec.address);
  if (!a) return false;
  auto d = acc.find_domain(a->domain);
  if (!d) return std::unexpected(d.error());
  return d->has_value() && !(*d)->enabled;
}

// Sets f.domain_disabled from the domains of the mailbox and of the master.
Status check_domains(Accounts& acc, AuthLookup& f) {
  for (const auto* rec : {f.user ? &*f.user : nullptr, f.master ? &*f.master : nullptr}) {
    if (!rec) continue;
    auto off = in_disabled_domain(acc, *rec);
    if (!off) return std::unexpected(off.error());
    f.domain_disabled = f.domain_disabled || *off;
  }
  return {};
}

AuthAnswer refused(std::string reason) {
  AuthAnswer a;
  a.kind = AuthAnswer::Kind::kRefused;
  a.reason = std::move(reason);
  return a;
}

// Why the check failed, or "" when it succeeded.
std::string refusal(const AuthLookup& f, bool password_ok) {
  const UserRecord* checked = f.checked();
  if (!checked) return "unknown user";
  if (!password_ok) return checked->password_hash.empty() ? "no password set" : "bad password";
  if (!checked->enabled) return "user disabled";
  if (f.master && !f.user) return "unknown user (master login)";
  if (!f.user->enabled) return "user disabled";
  if (f.domain_disabled) return "domain disabled";
  return "";
}

// Counts the failure for the login and the address; the larger count sets the delay.
uint32_t count_failure(const AuthWriter& writer, const AuthSettings& s, const AuthRequest& req, int64_t now) {
  uint32_t n = 0;
  auto acc = writer();
  auto fc = acc ? FailureCounter::open((*acc)->env(), s.window)
                : Result<FailureCounter>(std::unexpected(acc.error()));
  if (!fc) {
    log::warning("unable to count failures: ", fc.error().what);
    return n;
  }
  if (auto nu = fc->record_failure(failure_key(req.login), now); nu) n = *nu;
  if (!req.ip.empty())
    if (auto ni = fc->record_failure("ip:" + req.ip, now); ni && *ni > n) n = *ni;
  return n;
}

// Forgets the login's failures and notes the login time at most every last_login_every.
void record_success(Accounts& reader, const AuthWriter& writer, const AuthSettings& s, const AuthRequest& req,
                    const AuthLookup& found, int64_t now) {
  const UserRecord& user = *found.user;
  if (found.had_failures)
    if (auto st = reader.forget_failures(failure_key(req.login)); !st)
      log::warning("unable to reset the failures of ", log::printable(req.login, 100), ": ", st.error().what);
  if (s.last_login_every <= 0 || now - user.last_login < s.last_login_every) return;
  auto w = writer();
  auto st = w ? (*w)->set_last_login(user.address, now) : Status(std::unexpected(w.error()));
  if (!st) log::warning("unable to record last login of ", user.address, ": ", st.error().what);
}

}  // namespace

AuthSettings AuthSettings::load(const std::string& home) {
  AuthSettings s;
  Control ctl(home);
  s.default_domain = ctl.string("defaultdomain", "");
  s.max_delay_ms = static_cast<uint32_t>(ctl.number("authfaildelaymax", 4000));
  s.window = ctl.number("authfailwindow", 900);
  s.last_login_every = ctl.number("lastloginupdate", 3600);
  return s;
}

const UserRecord* AuthLookup::checked() const {
  if (master) return &*master;
  return user ? &*user : nullptr;
}

Result<AuthLookup> look_up_login(Accounts& acc, const AuthSettings& s, std::string_view typed) {
  AuthLookup f;
  f.login = qualify(typed, s);
  // Trouble here only costs a second look after a success.
  auto had = acc.has_failures(failure_key(typed));
  f.had_failures = !had || *had;
  auto user = find(acc, f.login, true);
  if (!user) return std::unexpected(user.error());
  f.user = std::move(*user);
  auto star = f.login.rfind('*');
  if (f.user || star == std::string::npos || f.login.find('@', star) == std::string::npos) {
    if (auto st = check_domains(acc, f); !st) return std::unexpected(st.error());
    return f;
  }
  // "user*master@dom" or "user@other*master@dom": log in to user as master.
  std::string master_login = f.login.substr(star + 1);
  std::string target = f.login.substr(0, star);
  if (target.find('@') == std::string::npos) target += master_login.substr(master_login.find('@'));
  auto m = find(acc, master_login, true);
  if (!m) return std::unexpected(m.error());
  if (!*m || !(*m)->master) return f;
  f.master = std::move(*m);
  auto t = find(acc, target, false);
  if (!t) return std::unexpected(t.error());
  f.user = std::move(*t);
  if (auto st = check_domains(acc, f); !st) return std::unexpected(st.error());
  return f;
}

bool check_password(std::string_view password, const std::string& hash, bool pay_dummy) {
  if (hash.empty() && pay_dummy) {
    (void)hash_password(password);  // the same cost as a real check
    return false;
  }
  return verify_password(password, hash);
}

AuthAnswer conclude(const AuthLookup& found, bool password_ok, Accounts& reader, const AuthWriter& writer,
                    const AuthSettings& s, const AuthRequest& req, int64_t now) {
  if (std::string why = refusal(found, password_ok); !why.empty()) {
    AuthAnswer a = refused(std::move(why));
    a.failures = count_failure(writer, s, req, now);
    a.delay_ms = failure_delay_ms(a.failures, s.max_delay_ms);
    return a;
  }
  record_success(reader, writer, s, req, found, now);
  AuthAnswer a;
  a.kind = AuthAnswer::Kind::kOk;
  const UserRecord& u = *found.user;
  a.user.address = u.address;
  a.user.maildir = u.maildir;
  a.user.quota_bytes = u.quota_bytes;
  a.user.quota_messages = u.quota_messages;
  a.user.store_host = u.store_host;
  a.master = found.master ? found.master->address : "";
  return a;
}

}  // namespace posta::accounts
