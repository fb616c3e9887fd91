// Credential parsing, and the direct check (posta-authd unreachable): the databases opened
// in this process, as posta-auth always did before posta-authd.
#include <chrono>
#include <ctime>

#include "auth.h"
#include "log/log.h"

namespace posta::auth {

Timing& timing() {
  static Timing t;
  return t;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t process_cpu_us() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1000000 + t.tv_nsec / 1000;
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

// Lookups go through read-only handles, which cost less to open; the databases are opened
// for writing only for bookkeeping (failure counts, the hourly last-login time), and a
// successful check usually writes nothing.
accounts::AuthAnswer check_directly(const std::string& home, const accounts::AuthRequest& req) {
  Timing& t = timing();
  auto settings = accounts::AuthSettings::load(home);
  int64_t t0 = now_us();
  auto acc = accounts::Accounts::open(home, accounts::Accounts::Mode::kReadOnly);
  if (!acc) return accounts::AuthAnswer::trouble("unable to open accounts: " + acc.error().what);
  int64_t t1 = now_us();
  t.open_us = t1 - t0;
  auto found = accounts::look_up_login(*acc, settings, req.login);
  if (!found) return accounts::AuthAnswer::trouble("unable to check credentials: " + found.error().what);
  const accounts::UserRecord* checked = found->checked();
  int64_t h0 = now_us();
  bool good = accounts::check_password(req.password, checked ? checked->password_hash : "", !checked);
  t.hash_us = now_us() - h0;
  int64_t t2 = now_us();
  t.check_us = t2 - t1;
  std::optional<Result<accounts::Accounts>> writer;
  accounts::AuthWriter open_writer = [&]() -> Result<accounts::Accounts*> {
    if (!writer) writer = accounts::Accounts::open(home, accounts::Accounts::Mode::kReadWrite);
    if (!*writer) return std::unexpected((*writer).error());
    return &**writer;
  };
  auto answer = accounts::conclude(*found, good, *acc, open_writer, settings, req, std::time(nullptr));
  answer.hash_us = t.hash_us;
  int64_t t3 = now_us();
  t.record_us = t3 - t2;
  writer.reset();
  acc = std::unexpected(Error{"closed", 0});  // close the environment before exec
  t.close_us = now_us() - t3;
  return answer;
}

}  // namespace posta::auth
