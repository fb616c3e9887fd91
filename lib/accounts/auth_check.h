// The password check of posta-auth, shared by posta-auth (its direct check, when
// posta-authd cannot be reached) and posta-authd (the resident checker). In three steps so
// that the daemon can run the hash on a worker thread while its event loop goes on:
//   look_up_login (database, caller's thread) -> check_password (crypt(3) only, any thread)
//   -> conclude (decision and bookkeeping: database, caller's thread).
// See man/posta-auth.8 and man/posta-authd.8.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "accounts/lookup.h"
#include "base/error.h"

namespace posta::accounts {

struct AuthSettings {
  std::string default_domain;        // control/defaultdomain: appended to a login without '@'
  uint32_t max_delay_ms = 4000;      // control/authfaildelaymax
  int64_t window = 900;              // control/authfailwindow (seconds)
  int64_t last_login_every = 3600;   // control/lastloginupdate (seconds; 0 = never)
  static AuthSettings load(const std::string& home);
};

// One check as asked: the login as typed, the password, the client address ("" = unknown).
struct AuthRequest {
  std::string login;
  std::string password;
  std::string ip;
};

// The outcome of a check: what posta-auth needs to log, throttle and exec the post-auth
// program. user holds only address, maildir, quota_bytes, quota_messages and store_host.
struct AuthAnswer {
  enum class Kind { kOk, kRefused, kTrouble };
  Kind kind = Kind::kTrouble;
  std::string reason;        // kRefused: "bad password", ...; kTrouble: the error
  uint32_t failures = 0;     // kRefused: the larger of the login's and the address's counts
  uint32_t delay_ms = 0;     // kRefused: how long to wait before saying no
  int64_t hash_us = 0;       // time spent in crypt(3)
  UserRecord user;           // kOk: the mailbox logged into
  std::string master;        // kOk: the master user of a "user*master@dom" login

  static AuthAnswer trouble(std::string what) {
    AuthAnswer a;
    a.reason = std::move(what);
    return a;
  }
};

// What the lookup found for one login.
struct AuthLookup {
  std::string login;                  // qualified with the default domain
  std::optional<UserRecord> user;     // the mailbox (without its hash for master logins)
  std::optional<UserRecord> master;   // the master user of "user*master@dom", with its hash
  bool domain_disabled = false;       // the domain of the mailbox or of the master is off
  // The login has failures to forget after a success (ratelimit.db, looked at here so that
  // a success in posta-authd needs no database work after the hash, when caches are cold).
  bool had_failures = true;
  // The record whose password is checked (master or user), nullptr when none: then a
  // dummy hash is paid, so that timing does not tell which logins exist.
  const UserRecord* checked() const;
};

[[nodiscard]] Result<AuthLookup> look_up_login(Accounts& acc, const AuthSettings& s, std::string_view login);

// crypt(3) of password against hash, or a fresh yescrypt hash when hash is "" and
// pay_dummy (unknown login; then false). No database: safe on any thread.
bool check_password(std::string_view password, const std::string& hash, bool pay_dummy);

// A read-write handle, opened only when something must be written (posta-auth opens one;
// posta-authd hands out the one it keeps).
using AuthWriter = std::function<Result<Accounts*>()>;

// Decides, then does the bookkeeping: a failure is counted for the login and the address
// (ratelimit) and gets its delay; a success forgets the login's failures and writes the
// last-login time when it is due. reader: for the cheap "anything to forget?" lookup.
AuthAnswer conclude(const AuthLookup& found, bool password_ok, Accounts& reader, const AuthWriter& writer,
                    const AuthSettings& s, const AuthRequest& req, int64_t now);

}  // namespace posta::accounts
