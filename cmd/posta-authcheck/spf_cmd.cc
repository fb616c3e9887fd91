// posta-authcheck spf: one SPF check (RFC 7208) through the instance's resolvers, printed as
// spfquery prints it, the result in the exit status.
#include <iostream>
#include <memory>

#include "accounts/address.h"
#include "admin/tool.h"
#include "authcheck.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "dns/resolver.h"
#include "log/log.h"
#include "net/address.h"
#include "spf/check.h"
#include "spf/lookup.h"
#include "spf/report.h"

namespace posta::authcheck {
namespace {

struct SpfOpts {
  std::string ip, sender, helo, receiver;
};

// The exit status of each result (posta-authcheck(1) EXIT STATUS); 2 is a usage error.
int exit_status(spf::ResultCode r) {
  switch (r) {
    case spf::ResultCode::kPass: return 0;
    case spf::ResultCode::kFail: return 1;
    case spf::ResultCode::kSoftfail: return 3;
    case spf::ResultCode::kNeutral: return 4;
    case spf::ResultCode::kNone: return 5;
    case spf::ResultCode::kPermError: return 6;
    case spf::ResultCode::kTempError: return 7;
  }
  return kExitTemporary;
}

int run_spf(const std::string& home_opt, const SpfOpts& o) {
  auto ip = net::parse_ip(o.ip);
  if (!ip) return admin::report(Error{"invalid IP address " + o.ip, accounts::kErrInvalid});
  if (o.sender.empty() && o.helo.empty())
    return admin::report(Error{"the null sender needs --helo (the HELO identity is checked)", accounts::kErrInvalid});
  Control control(admin::home_or_default(home_opt));
  // the instance's servers or none: a diagnostic must see what the daemons see
  auto resolver = instance_resolver(home_opt);
  if (!resolver) return admin::report(Error{resolver.error().what, 0});
  spf::ResolverLookup dns(std::move(*resolver));
  spf::Identity id;
  id.ip = *ip;
  id.mail_from = o.sender;
  id.helo = o.helo;
  id.receiver = o.receiver.empty() ? control.string("me") : o.receiver;
  auto r = spf::check_mail_from(id, dns);
  std::cout << spf::result_name(r.code) << "\n";
  std::cout << (r.code == spf::ResultCode::kFail ? r.explanation : r.problem) << "\n";
  std::cout << "posta-authcheck: " << spf::result_comment(r, *ip) << "\n";
  std::cout << "Received-SPF: " << spf::received_spf(r, id) << "\n";
  return exit_status(r.code);
}

}  // namespace

void add_spf_command(CLI::App& app, const std::string& home, Action& action) {
  auto o = std::make_shared<SpfOpts>();
  auto* sc = app.add_subcommand("spf", "SPF result of a client address and sender (RFC 7208)");
  sc->add_option("--ip", o->ip, "the SMTP client's address")->required();
  sc->add_option("--sender", o->sender, "the MAIL FROM address (\"\" for <>: the HELO identity)")->required();
  sc->add_option("--helo", o->helo, "the HELO/EHLO name");
  sc->add_option("--receiver", o->receiver, "our host name in explanations (default control/me)");
  sc->callback([&home, &action, o] { action = [&home, o] { return run_spf(home, *o); }; });
}

}  // namespace posta::authcheck
