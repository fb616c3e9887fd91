// Settings from control files and the environment (see posta-smtpd(8), FILES/ENVIRONMENT).
#include <unistd.h>

#include <cstdlib>

#include "auth/checkpassword.h"
#include "control/control.h"
#include "control/domain_list.h"
#include "log/log.h"
#include "queue/inject.h"
#include "smtpd.h"

namespace posta::smtpd {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

Config load_config(bool submission_flag) {
  Config c;
  c.home = posta_home();
  Control ctl(c.home);
  c.me = ctl.string("me", hostname());
  c.greeting = ctl.string("smtpgreeting", c.me + " ESMTP posta");
  long long db = ctl.number("databytes", 0);
  c.databytes = db > 0 ? static_cast<size_t>(db) : 0;
  long long mr = ctl.number("maxrcpt", 100);
  c.maxrcpt = mr > 0 ? static_cast<size_t>(mr) : 100;
  long long t = ctl.number("timeoutsmtpd", 300);
  c.timeout = std::chrono::seconds(t > 0 ? t : 300);
  long long wt = ctl.number("timeoutwrite", 300);
  c.write_timeout = std::chrono::seconds(wt > 0 ? wt : 300);
  c.session_limit = std::chrono::seconds(std::max(0LL, ctl.number("sessionlimitsmtpd", 1800)));
  c.greet_delay = std::chrono::milliseconds(std::max(0LL, ctl.number("smtpgreetdelay", 0)));
  c.maxerrors = static_cast<int>(std::max(1LL, ctl.number("smtpmaxerrors", 20)));
  c.maxmessages = static_cast<int>(std::max(1LL, ctl.number("smtpmaxmessages", 1000)));
  c.maxauthfail = static_cast<int>(std::max(1LL, ctl.number("smtpmaxauthfail", 3)));
  c.authplaintext = ctl.flag("authplaintext", false);
  c.sendercheck = ctl.flag("submissionsendercheck", true);
  c.barelf = lower(ctl.string("smtpbarelf", "reject")) == "normalize" ? smtp::BareLfPolicy::kNormalize
                                                                       : smtp::BareLfPolicy::kReject;
  c.locals = DomainList::load(ctl, "locals");
  c.rcpthosts = DomainList::load(ctl, "rcpthosts");
  std::string sub = env("SUBMISSION");
  c.submission = submission_flag || (!sub.empty() && sub != "0");
  // The MX service takes mail for our domains from anyone; logins belong on submission
  // (587, 465). Offering AUTH on 25 too invites password guessing there: an explicit choice.
  c.auth_offered = c.submission || ctl.flag("smtpauth", false);
  c.relayclient = std::getenv("RELAYCLIENT") != nullptr;
  c.remote_ip = env("TCPREMOTEIP");
  c.local_session = env("PROTO") == "LOCAL";
  // The queue program inherits this environment, and what it records as the origin
  // (posta-queue(8) ORIGIN) must be what this session established, nothing inherited: the
  // login is added by start_job, and a local session (posta-sendmail -bs, run as a local
  // user) is a local injection, not the network.
  ::unsetenv("POSTA_AUTH_USER");
  ::unsetenv("POSTA_ORIGIN");
  ::unsetenv("POSTA_SPF");
  ::unsetenv("POSTA_SPF_RECEIVED");
  if (c.local_session) ::unsetenv("TCPREMOTEIP");
  c.remote_port = env("TCPREMOTEPORT");
  c.local_ip = env("TCPLOCALIP");
  c.local_port = env("TCPLOCALPORT");
  c.remote_host = env("TCPREMOTEHOST");
  if (c.remote_ip.empty()) c.remote_ip = "unknown";
  c.queue_program = queue::queue_program(ctl.string("smtpqueue"));
  c.auth_program = auth::checkpassword_program();
  // A broken list trusts nobody and a broken policy is the default one: both err on the
  // side of checking.
  if (auto t = net::CidrList::parse(ctl.lines("trustednets"))) c.trustednets = std::move(*t);
  else log::warning("control/trustednets: ", t.error().what, "; trusting no network");
  if (auto p = spf::Policy::parse(ctl.string("spfpolicy"))) c.spf_policy = *p;
  else log::warning("control/", p.error().what, "; using the default policy");
  c.reputation = load_reputation_config(ctl, c.home);
  c.reputation.trusted = c.trustednets;
  return c;
}

}  // namespace posta::smtpd
