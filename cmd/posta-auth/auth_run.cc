// posta-auth's run(): read credentials, throttle, check, record, exec.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <thread>

#include "accounts/mailbox.h"
#include "accounts/ratelimit.h"
#include "auth.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"

namespace posta::auth {
namespace {

constexpr int kBadCredentials = 1;

Settings load_settings() {
  Settings s;
  s.home = posta_home();
  Control ctl(s.home);
  s.default_domain = ctl.string("defaultdomain", "");
  s.max_delay_ms = static_cast<uint32_t>(ctl.number("authfaildelaymax", 4000));
  s.window = ctl.number("authfailwindow", 900);
  s.last_login_every = ctl.number("lastloginupdate", 3600);
  return s;
}

std::string remote_ip() {
  const char* ip = std::getenv("TCPREMOTEIP");
  return ip && *ip ? ip : "";
}

// The databases opened for writing, for posta-auth's bookkeeping only (failure counts, last
// login): the lookups go through read-only handles, which cost less to open, and a
// successful check usually writes nothing.
Result<accounts::Accounts> writer(const Settings& s) {
  return accounts::Accounts::open(s.home, accounts::Accounts::Mode::kReadWrite);
}

// Counts the failure for the IP and the login, then sleeps the growing delay.
void throttle(const Settings& s, const std::string& login, const std::string& ip, const std::string& reason) {
  int64_t now = std::time(nullptr);
  uint32_t n = 0;
  auto acc = writer(s);
  auto fc = acc ? accounts::FailureCounter::open(acc->env(), s.window)
                : Result<accounts::FailureCounter>(std::unexpected(acc.error()));
  if (fc) {
    auto nu = fc->record_failure("user:" + lower(login), now);
    if (nu) n = *nu;
    if (!ip.empty())
      if (auto ni = fc->record_failure("ip:" + ip, now); ni && *ni > n) n = *ni;
  } else {
    log::warning("unable to count failures: ", fc.error().what);
  }
  uint32_t delay = accounts::failure_delay_ms(n, s.max_delay_ms);
  log::info("login failed: user=<", log::printable(login, 100), "> ip=", ip.empty() ? "-" : ip, " reason=\"",
            reason, "\" failures=", n, " delay_ms=", delay);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay));
}

// Forgets the login's failures and notes the login time at most every last_login_every.
void record_success(accounts::Accounts& acc, const Settings& s, const std::string& login, const Verdict& v) {
  int64_t now = std::time(nullptr);
  if (auto st = accounts::FailureCounter::forget(acc.env(), "user:" + lower(login)); !st)
    log::warning("unable to reset the failures of ", login, ": ", st.error().what);
  if (s.last_login_every <= 0 || now - v.user.last_login < s.last_login_every) return;
  auto w = writer(s);
  auto st = w ? w->set_last_login(v.user.address, now) : Status(std::unexpected(w.error()));
  if (!st) log::warning("unable to record last login of ", v.user.address, ": ", st.error().what);
}

}  // namespace

Status exec_post_auth(const Settings& s, const Verdict& v, const std::vector<std::string>& argv) {
  std::string maildir = v.user.maildir;
  std::string home = maildir.size() > 1 && maildir.back() == '/' ? maildir.substr(0, maildir.size() - 1) : maildir;
  if (::geteuid() == 0) {
    // System mode: the post-auth program runs as the owner of the mail store.
    struct stat st;
    std::string store = s.home + "/mail";
    if (::stat(store.c_str(), &st) != 0) return fail_sys("unable to stat " + store);
    if (st.st_uid == 0) return fail(store + " is owned by root; refusing to run the post-auth program as root");
    if (auto d = drop_privileges(Identity{st.st_uid, st.st_gid, home}); !d) return d;
  }
  if (::chdir(home.c_str()) != 0) {
    if (auto c = accounts::create_maildir(maildir); !c) return c;
    if (::chdir(home.c_str()) != 0) return fail_sys("unable to chdir to " + home);
  }
  std::vector<std::string> env = {
      "USER=" + v.user.address, "HOME=" + home, "MAILDIR=" + maildir,
      log::cat("POSTA_QUOTA=", v.user.quota_bytes, "S,", v.user.quota_messages, "C")};
  if (!v.master.empty()) env.push_back("POSTA_MASTER_USER=" + v.master);
  else ::unsetenv("POSTA_MASTER_USER");
  if (!v.user.store_host.empty()) env.push_back("POSTA_STORE_HOST=" + v.user.store_host);
  exec_argv(argv, env);
  return fail_sys("unable to exec " + argv[0]);
}

int run(const std::vector<std::string>& argv) {
  auto data = read_all(3, 2048);
  if (!data) log::fatal(kExitTemporary, "unable to read credentials from fd 3: " + data.error().what);
  ::close(3);
  auto cred = parse_credentials(*data);
  if (!cred) log::fatal(kExitTemporary, cred.error().what);
  Settings s = load_settings();
  if (auto st = become_instance_owner(s.home); !st) log::fatal(kExitTemporary, st.error().what);
  int64_t t0 = now_us();
  auto acc = accounts::Accounts::open(s.home, accounts::Accounts::Mode::kReadOnly);
  if (!acc) log::fatal(kExitTemporary, "unable to open accounts: " + acc.error().what);
  int64_t t1 = now_us();
  auto v = check(*acc, s, *cred);
  timing().open_us = t1 - t0;
  timing().check_us = now_us() - t1;
  explicit_bzero(cred->password.data(), cred->password.size());
  if (!v) log::fatal(kExitTemporary, "unable to check credentials: " + v.error().what);
  std::string ip = remote_ip();
  if (!v->ok) {
    throttle(s, cred->login, ip, v->reason);
    return kBadCredentials;
  }
  int64_t t2 = now_us();
  record_success(*acc, s, cred->login, *v);
  int64_t t3 = now_us();
  timing().record_us = t3 - t2;
  acc = std::unexpected(Error{"closed", 0});  // close the environment before exec
  timing().close_us = now_us() - t3;
  if (std::getenv("POSTA_AUTH_TIMING")) {
    const Timing& t = timing();
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    log::info("timing: open_us=", t.open_us, " check_us=", t.check_us, " hash_us=", t.hash_us,
              " record_us=", t.record_us, " close_us=", t.close_us,
              " overhead_us=", t.open_us + t.check_us - t.hash_us + t.record_us + t.close_us,
              " maxrss_kb=", ru.ru_maxrss);
  }
  if (!v->master.empty())
    log::info("master login: master=<", v->master, "> user=<", v->user.address, "> ip=", ip.empty() ? "-" : ip);
  else
    log::info("login: user=<", v->user.address, "> ip=", ip.empty() ? "-" : ip);
  auto st = exec_post_auth(s, *v, argv);
  log::fatal(kExitTemporary, st.error().what);
}

}  // namespace posta::auth
