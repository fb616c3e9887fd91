// Credential parsing and the password check.
#include <chrono>

#include "accounts/password.h"
#include "auth.h"
#include "log/log.h"

namespace posta::auth {
namespace {

// Appends the default domain to a bare login.
std::string qualify(const std::string& login, const Settings& s) {
  if (login.find('@') != std::string::npos || s.default_domain.empty()) return login;
  return login + "@" + s.default_domain;
}

// with_password: the hash too (secrets.db), for the login whose password is checked.
Result<std::optional<accounts::UserRecord>> find(accounts::Accounts& acc, const std::string& login,
                                                 bool with_password) {
  if (!accounts::valid_address(login)) return std::optional<accounts::UserRecord>();
  return acc.find_user(login, with_password);
}

Verdict refuse(std::string reason) { return Verdict{false, {}, "", std::move(reason)}; }

}  // namespace

Timing& timing() {
  static Timing t;
  return t;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

Result<Credentials> parse_credentials(std::string_view data) {
  Credentials c;
  std::string* fields[] = {&c.login, &c.password, &c.timestamp};
  for (auto* f : fields) {
    auto nul = data.find('\0');
    if (nul == std::string_view::npos) return fail("malformed credentials on fd 3 (expected user NUL password NUL timestamp NUL)");
    *f = std::string(data.substr(0, nul));
    data.remove_prefix(nul + 1);
  }
  if (!data.empty()) return fail("trailing bytes after the credentials on fd 3");
  return c;
}

Result<Verdict> check(accounts::Accounts& acc, const Settings& s, const Credentials& c) {
  std::string login = qualify(c.login, s);
  auto user = find(acc, login, true);
  if (!user) return std::unexpected(user.error());
  std::optional<accounts::UserRecord> master;
  auto star = login.rfind('*');
  if (!*user && star != std::string::npos && login.find('@', star) != std::string::npos) {
    // "user*master@dom" or "user@other*master@dom": log in to user as master.
    std::string master_login = login.substr(star + 1);
    std::string target = login.substr(0, star);
    if (target.find('@') == std::string::npos) target += master_login.substr(master_login.find('@'));
    auto m = find(acc, master_login, true);
    if (!m) return std::unexpected(m.error());
    if (*m && (*m)->master) {
      master = **m;
      user = find(acc, target, false);
      if (!user) return std::unexpected(user.error());
    }
  }
  const accounts::UserRecord* checked = master ? &*master : user->has_value() ? &**user : nullptr;
  int64_t t0 = now_us();
  if (!checked) {
    (void)accounts::hash_password(c.password);  // the same cost as a real check
    timing().hash_us = now_us() - t0;
    return refuse("unknown user");
  }
  bool good = accounts::verify_password(c.password, checked->password_hash);
  timing().hash_us = now_us() - t0;
  if (!good) return refuse(checked->password_hash.empty() ? "no password set" : "bad password");
  if (!checked->enabled) return refuse("user disabled");
  if (master && !*user) return refuse("unknown user (master login)");
  if (!(*user)->enabled) return refuse("user disabled");
  Verdict v{true, **user, master ? master->address : "", ""};
  return v;
}

}  // namespace posta::auth
