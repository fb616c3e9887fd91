// posta-auth's run(): read credentials, ask posta-authd (or check directly), throttle, exec.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "accounts/mailbox.h"
#include "accounts/post_auth.h"
#include "auth.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "proc/privilege.h"

namespace posta::auth {
namespace {

using accounts::AuthAnswer;

constexpr int kBadCredentials = 1;
constexpr size_t kMaxIp = 64;

// Only the daemon user's TCPREMOTEIP is believed (posta-auth is set-id in system mode): a
// local user of group posta could otherwise charge its failures to someone else's address.
std::string remote_ip() {
  if (!caller_speaks_for_network()) return "";
  const char* ip = std::getenv("TCPREMOTEIP");
  std::string s = ip && *ip ? ip : "";
  return s.size() > kMaxIp ? s.substr(0, kMaxIp) : s;
}

// posta-authd's answer, else (daemon not there) the direct check.
AuthAnswer check(const std::string& home, const accounts::AuthRequest& req, bool& direct) {
  auto asked = ask_daemon(home, req);
  if (!asked) return AuthAnswer::trouble(asked.error().what);
  direct = !asked->has_value();
  if (!direct) return std::move(**asked);
  if (auto st = become_instance_owner(home); !st) return AuthAnswer::trouble(st.error().what);
  return check_directly(home, req);
}

// The window ends here, before the instrument's own getrusage().
void log_timing(bool direct) {
  const Timing& t = timing();
  int64_t total = now_us() - t.start_us;
  int64_t cpu = process_cpu_us() - t.start_cpu_us;
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  std::string parts = direct ? log::cat(" open_us=", t.open_us, " check_us=", t.check_us, " record_us=", t.record_us,
                                        " close_us=", t.close_us)
                             : "";
  log::info("timing: path=", direct ? "direct" : "daemon", " total_us=", total, " hash_us=", t.hash_us, parts,
            " overhead_us=", total - t.hash_us, " read_us=", t.read_us, " cpu_us=", cpu,
            " minflt=", ru.ru_minflt - t.start_minflt, " maxrss_kb=", ru.ru_maxrss);
}

// The caller names the program that runs as the mail store owner: only the instance's own
// post-auth servers (or control/authprograms) may be named, and this is decided before the
// credentials are read.
Status check_program(const std::string& home, const std::vector<std::string>& argv) {
  std::vector<std::string> bins;
  if (const char* b = std::getenv("POSTA_BIN"); b && *b) bins.push_back(b);
  bins.push_back(self_dir());
  auto policy = accounts::PostAuthPolicy::load(home, bins);
  if (!policy) return fail("unable to read control/authprograms: " + policy.error().what);
  if (policy->allows(argv)) return {};
  std::string shown;
  for (auto& a : argv) shown += (shown.empty() ? "" : " ") + log::printable(a, 200);
  return fail("unable to run " + shown + ": not a post-auth program of this instance (control/authprograms)");
}

}  // namespace

Status exec_post_auth(const std::string& home_dir, const AuthAnswer& a, const std::vector<std::string>& argv) {
  std::string maildir = a.user.maildir;
  std::string home = maildir.size() > 1 && maildir.back() == '/' ? maildir.substr(0, maildir.size() - 1) : maildir;
  // System mode: the post-auth program runs as the owner of the mail store.
  if (auto d = become_mail_store_owner(home_dir); !d) return d;
  if (::chdir(home.c_str()) != 0) {
    if (auto c = accounts::create_maildir(maildir); !c) return c;
    if (::chdir(home.c_str()) != 0) return fail_sys("unable to chdir to " + home);
  }
  std::vector<std::string> env = {
      "USER=" + a.user.address, "HOME=" + home, "MAILDIR=" + maildir,
      log::cat("POSTA_QUOTA=", a.user.quota_bytes, "S,", a.user.quota_messages, "C")};
  if (!a.master.empty()) env.push_back("POSTA_MASTER_USER=" + a.master);
  else ::unsetenv("POSTA_MASTER_USER");
  if (!a.user.store_host.empty()) env.push_back("POSTA_STORE_HOST=" + a.user.store_host);
  exec_argv(argv, env);
  return fail_sys("unable to exec " + argv[0]);
}

int run(const std::vector<std::string>& argv) {
  std::string home = posta_home();
  if (auto p = check_program(home, argv); !p) log::fatal(kExitTemporary, p.error().what);
  // The timed window starts after the instrument's own getrusage().
  if (std::getenv("POSTA_AUTH_TIMING")) {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    timing().start_minflt = ru.ru_minflt;
    timing().start_cpu_us = process_cpu_us();
  }
  timing().start_us = now_us();
  auto data = read_all(3, 2048);
  if (!data) log::fatal(kExitTemporary, "unable to read credentials from fd 3: " + data.error().what);
  timing().read_us = now_us() - timing().start_us;
  ::close(3);
  auto cred = parse_credentials(*data);
  explicit_bzero(data->data(), data->size());
  if (!cred) log::fatal(kExitTemporary, cred.error().what);
  // Root with a rootless instance becomes its owner before opening the databases (the
  // direct check); asking posta-authd needs no identity, and exec_post_auth drops to the
  // owner of the mail store anyway.
  std::string ip = remote_ip();
  accounts::AuthRequest req{cred->login, cred->password, ip};
  explicit_bzero(cred->password.data(), cred->password.size());
  bool direct = false;
  AuthAnswer a = check(home, req, direct);
  explicit_bzero(req.password.data(), req.password.size());
  timing().hash_us = a.hash_us;
  if (a.kind == AuthAnswer::Kind::kTrouble) log::fatal(kExitTemporary, a.reason);
  std::string shown_ip = ip.empty() ? "-" : log::printable(ip, kMaxIp);
  if (a.kind == AuthAnswer::Kind::kRefused) {
    log::info("login failed: user=<", log::printable(req.login, 100), "> ip=", shown_ip, " reason=\"", a.reason,
              "\" failures=", a.failures, " delay_ms=", a.delay_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(a.delay_ms));
    return kBadCredentials;
  }
  if (std::getenv("POSTA_AUTH_TIMING")) log_timing(direct);
  if (!a.master.empty())
    log::info("master login: master=<", a.master, "> user=<", a.user.address, "> ip=", shown_ip);
  else
    log::info("login: user=<", a.user.address, "> ip=", shown_ip);
  auto st = exec_post_auth(home, a, argv);
  log::fatal(kExitTemporary, st.error().what);
}

}  // namespace posta::auth
