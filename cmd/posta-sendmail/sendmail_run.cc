#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "control/control.h"
#include "mime/address.h"
#include "proc/child.h"
#include "queue/envelope.h"
#include "queue/inject.h"
#include "queue/maildate.h"
#include "sendmail.h"

namespace posta::sendmail {

namespace {

constexpr int kExUsage = 64, kExDataErr = 65, kExNoInput = 66, kExUnavailable = 69, kExTempFail = 75;

struct Caller {
  std::string login, gecos;
};

Caller caller() {
  Caller c;
  for (const char* v : {"POSTA_USER", "LOGNAME", "USER"})
    if (const char* e = std::getenv(v); e && *e) {
      c.login = e;
      break;
    }
  if (passwd* pw = ::getpwuid(::getuid())) {
    if (c.login.empty()) c.login = pw->pw_name;
    std::string g = pw->pw_gecos ? pw->pw_gecos : "";
    c.gecos = g.substr(0, g.find(','));
  }
  if (c.login.empty()) c.login = "nobody";
  return c;
}

std::string qualify(const std::string& a, const std::string& host) {
  if (a.empty() || a.find('@') != std::string::npos) return a;
  return a + "@" + host;
}

// Queues the message; a refusal becomes sendmail's exit code (sysexits).
int inject(const std::string& msg, const std::string& sender, const std::vector<std::string>& rcpts) {
  queue::Envelope env;
  env.sender = sender;
  for (auto& r : rcpts) env.recipients.push_back(queue::Recipient{r, "", ""});
  auto q = queue::inject(msg, env, {});
  if (q) return 0;
  std::cerr << "posta-sendmail: message not queued: " << q.error().line() << "\n";
  return q.error().permanent ? kExDataErr : kExTempFail;
}

int exec_sibling(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  exec_argv(argv, env);
  std::cerr << "posta-sendmail: unable to run " << argv[0] << "\n";
  return kExUnavailable;
}

// What posta-queue would record as where the message came from (posta-queue(8) ORIGIN) is
// decided by who runs it, never by names a caller left in our environment.
void forget_origin_claims() {
  for (const char* v : {"POSTA_AUTH_USER", "POSTA_ORIGIN", "TCPREMOTEIP"}) ::unsetenv(v);
}

}  // namespace

int run(const Options& o) {
  forget_origin_claims();
  switch (o.mode) {
    case Options::Mode::kList: return exec_sibling({sibling("posta-mailq")});
    case Options::Mode::kFlush: return exec_sibling({sibling("posta-qctl"), "flush"});
    case Options::Mode::kSmtp:
      // A local, trusted session: relaying allowed, the peer is this host.
      return exec_sibling({sibling("posta-smtpd")}, {"RELAYCLIENT=", "TCPREMOTEIP=127.0.0.1", "PROTO=LOCAL",
                                                     "POSTA_SENDMAIL=1"});
    case Options::Mode::kDeliver: break;
  }
  Control ctl;
  std::string me = ctl.string("me", "localhost");
  std::string host = ctl.string("defaulthost", me);
  Caller who = caller();
  std::string sender = o.sender_given ? qualify(o.sender, host) : who.login + "@" + host;
  Options eff = o;
  if (eff.full_name.empty()) eff.full_name = who.gecos;
  std::string msg = read_message(o.ignore_dots);
  if (msg.empty() && std::cin.bad()) return kExNoInput;
  std::vector<std::string> rcpts;
  for (auto& r : o.recipients)
    for (auto& a : mime::parse_addresses(r))
      if (!a.group_start && !a.group_end && !a.mailbox.empty())
        rcpts.push_back(a.host.empty() ? qualify(a.mailbox, host) : a.mailbox + "@" + a.host);
  msg = prepare(msg, eff, sender, host, rcpts);
  if (rcpts.empty()) {
    std::cerr << "posta-sendmail: no recipients\n";
    return kExUsage;
  }
  return inject(msg, sender, rcpts);
}

}  // namespace posta::sendmail
