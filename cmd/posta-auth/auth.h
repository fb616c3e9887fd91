// posta-auth: checkpassword-interface authenticator (see man/posta-auth.8). It asks the
// resident posta-authd over $POSTA_HOME/run/authd.sock, and checks the databases itself
// only when the daemon cannot be reached.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accounts/auth_check.h"
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

// Microseconds spent, logged when POSTA_AUTH_TIMING is set (test/bench/workloads/80-auth.sh).
struct Timing {
  int64_t start_us = 0;   // before reading fd 3
  int64_t start_minflt = 0;  // page faults so far then
  int64_t start_cpu_us = 0;  // CPU time of this process so far then
  int64_t read_us = 0;    // reading fd 3 to its end: mostly waiting for the caller to write
  int64_t hash_us = 0;    // crypt(3), in posta-authd or here
  // the direct check only:
  int64_t open_us = 0;    // Accounts::open (environment join, DB_REGISTER check)
  int64_t check_us = 0;   // lookups plus the hash
  int64_t record_us = 0;  // ratelimit, last-login write
  int64_t close_us = 0;   // closing the environment before exec
};
Timing& timing();
int64_t now_us();
int64_t process_cpu_us();

// auth_client.cc: the check by posta-authd. nullopt when the daemon is not there (no
// socket, nobody listening, not the instance owner's or root's process, or it hung up
// without answering): then the caller checks directly. An error: the daemon answered
// something unusable, or did not answer in time (111, no second check).
[[nodiscard]] Result<std::optional<accounts::AuthAnswer>> ask_daemon(const std::string& home,
                                                                    const accounts::AuthRequest& req);

// auth_check.cc: the same check in this process, on the databases (the fallback).
accounts::AuthAnswer check_directly(const std::string& home, const accounts::AuthRequest& req);

// Sets USER HOME MAILDIR POSTA_QUOTA (+ POSTA_MASTER_USER, POSTA_STORE_HOST), becomes the
// mail store owner when root, chdirs into the Maildir and execs argv. Returns only on failure.
[[nodiscard]] Status exec_post_auth(const std::string& home, const accounts::AuthAnswer& a,
                                    const std::vector<std::string>& argv);

int run(const std::vector<std::string>& argv);

}  // namespace posta::auth
