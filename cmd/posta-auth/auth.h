// posta-auth: checkpassword-interface authenticator (see man/posta-auth.8).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accounts/lookup.h"
#include "base/error.h"

namespace posta::auth {

// What arrived on fd 3: user NUL password NUL timestamp NUL.
struct Credentials {
  std::string login;
  std::string password;
  std::string timestamp;
};
// Strict: exactly three NUL-terminated fields (the third may be empty), nothing after.
[[nodiscard]] Result<Credentials> parse_credentials(std::string_view data);

// The outcome of a check.
struct Verdict {
  bool ok = false;
  accounts::UserRecord user;  // the mailbox logged into
  std::string master;         // the master user, for "user*master@dom" logins
  std::string reason;         // for the log on failure: "unknown user", "bad password", ...
};

struct Settings {
  std::string home;
  std::string default_domain;   // control/defaultdomain: appended to a login without '@'
  uint32_t max_delay_ms = 4000; // control/authfaildelaymax
  int64_t window = 900;         // control/authfailwindow (seconds)
  int64_t last_login_every = 3600;  // control/lastloginupdate (seconds; 0 = never)
};

// Microseconds spent, logged when POSTA_AUTH_TIMING is set (test/bench/workloads/80-auth.sh).
struct Timing {
  int64_t open_us = 0;    // Accounts::open (environment join, DB_REGISTER check)
  int64_t check_us = 0;   // check(): lookups plus the hash
  int64_t hash_us = 0;    // of which crypt(3)
  int64_t record_us = 0;  // ratelimit reset, last-login write
  int64_t close_us = 0;   // closing the environment before exec
};
Timing& timing();
int64_t now_us();

// Looks the login up and checks the password (always paying one hash, also for unknown
// users, so that timing does not tell which logins exist).
[[nodiscard]] Result<Verdict> check(accounts::Accounts& acc, const Settings& s, const Credentials& c);

// Sets USER HOME MAILDIR POSTA_QUOTA (+ POSTA_MASTER_USER, POSTA_STORE_HOST), becomes the
// mail store owner when root, chdirs into the Maildir and execs argv. Returns only on failure.
[[nodiscard]] Status exec_post_auth(const Settings& s, const Verdict& v, const std::vector<std::string>& argv);

int run(const std::vector<std::string>& argv);

}  // namespace posta::auth
