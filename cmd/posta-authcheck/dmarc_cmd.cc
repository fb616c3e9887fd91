// posta-authcheck dmarc: the DMARC evaluation of a message given its SPF result, with its
// DKIM signatures verified here, and the Authentication-Results field posta would add.
#include <iostream>

#include "admin/output.h"
#include "authcheck.h"
#include "authres/authres.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "admin/tool.h"
#include "dkim/dns_keys.h"
#include "dmarc/evaluate.h"
#include "log/log.h"

namespace posta::authcheck {
namespace {

struct DmarcOpts {
  std::string file, mail_from, helo, ip, spf_result;
  int sample = -1;  // --sample: the pct= draw, for tests; -1: random
};

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

// "dmarc=fail from=a.example policy-domain=a.example p=reject sp=- pct=100 disposition=reject
// spf-aligned=no dkim-aligned=no (why)"
std::string evaluation_line(const dmarc::Evaluation& e) {
  std::string out = std::string("dmarc=") + dmarc::outcome_name(e.result);
  out += " from=" + (e.from_domain.empty() ? "-" : e.from_domain);
  if (e.record) {
    out += " policy-domain=" + e.policy_domain + " p=" + dmarc::policy_name(e.record->p) +
           " sp=" + (e.record->sp ? dmarc::policy_name(*e.record->sp) : "-") + " pct=" + std::to_string(e.record->pct);
  }
  out += std::string(" disposition=") + dmarc::policy_name(e.disposition);
  out += std::string(" spf-aligned=") + yes_no(e.spf_aligned) + " dkim-aligned=" + yes_no(e.dkim_aligned);
  if (!e.dkim_domain.empty()) out += " dkim-domain=" + e.dkim_domain;
  if (e.sampled_out) out += " sampled-out";
  if (!e.reason.empty()) out += " (" + e.reason + ")";
  return out;
}

// 0 pass or none; 1 fail or permerror; 111 temperror or trouble.
int run_dmarc(const std::string& home, const DmarcOpts& o) {
  auto msg = read_message(o.file);
  if (!msg) log::fatal(kExitTemporary, "unable to read " + o.file + ": " + msg.error().what);
  auto resolver = instance_resolver(home);
  if (!resolver) log::fatal(kExitTemporary, resolver.error().what);
  dmarc::AuthInputs in;
  in.spf_result = lower(o.spf_result);
  in.spf_domain = o.mail_from.empty() ? o.helo : domain_of(o.mail_from);
  in.dkim = dkim::verify(*msg, dkim::dns_key_fetcher(*resolver, *msg));
  dmarc::Sampler sampler = dmarc::random_percent;
  if (o.sample >= 0) sampler = [n = o.sample] { return n; };
  auto e = dmarc::evaluate(*msg, in, dmarc::dns_txt_lookup(*resolver), sampler);

  authres::Checks checks;
  checks.spf = authres::SpfResult{in.spf_result, o.mail_from, o.helo};
  checks.dkim = in.dkim;
  checks.dmarc = e;
  std::string field = authres::build(authres::authserv_id(Control(admin::home_or_default(home))), checks);
  std::erase(field, '\r');  // a terminal's line ends
  std::cout << evaluation_line(e) << "\n" << field;
  if (int r = admin::flush_stdout(); r != kExitOk) return r;
  switch (e.result) {
    case dmarc::Outcome::kPass:
    case dmarc::Outcome::kNone: return kExitOk;
    case dmarc::Outcome::kTempError: return kExitTemporary;
    default: return kExitNotFound;
  }
}

}  // namespace

void add_dmarc_command(CLI::App& app, const std::string& home, Action& action) {
  auto o = std::make_shared<DmarcOpts>();
  auto* c = app.add_subcommand("dmarc", "DMARC result and disposition of a message, and its Authentication-Results");
  c->add_option("FILE", o->file, "the message (\"-\": standard input)")->required();
  c->add_option("--mail-from", o->mail_from, "the envelope sender (empty for <>)");
  c->add_option("--helo", o->helo, "the HELO name (the SPF identity when MAIL FROM is <>)");
  c->add_option("--ip", o->ip, "the client address the message came from (not used while --spf-result is given)");
  c->add_option("--spf-result", o->spf_result, "the SPF result of that identity (pass, fail, softfail, ...)")
      ->required()
      ->check(CLI::IsMember({"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"}));
  c->add_option("--sample", o->sample, "the pct= draw (0-99) instead of a random one")->check(CLI::Range(0, 99));
  c->callback([&home, o, &action] { action = [&home, o] { return run_dmarc(home, *o); }; });
}

}  // namespace posta::authcheck
