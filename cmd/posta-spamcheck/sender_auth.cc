#include "sender_auth.h"

#include <cstdlib>

#include "authres/authres.h"
#include "control/control.h"
#include "control/domain_list.h"
#include "dkim/dns_keys.h"
#include "dmarc/evaluate.h"
#include "dmarc/orgdomain.h"
#include "dns/resolver.h"
#include "log/log.h"
#include "mime/message.h"
#include "spf/check.h"
#include "spf/report.h"

namespace posta::spamcheck {
namespace {

std::string to_lf(std::string_view crlf_field) {
  std::string out;
  for (size_t i = 0; i < crlf_field.size(); ++i)
    if (!(crlf_field[i] == '\r' && i + 1 < crlf_field.size() && crlf_field[i + 1] == '\n')) out += crlf_field[i];
  return out;
}

// control/dmarcquarantine: From domains (or "*") whose p=reject is applied as quarantine.
bool downgrade_reject(const Control& ctl, const std::string& domain) {
  for (const auto& l : ctl.lines("dmarcquarantine"))
    if (l == "*") return true;
  return DomainList::load(ctl, "dmarcquarantine").contains(domain);
}

// One of our own domains: control/locals or control/rcpthosts.
bool own_domain(const Control& ctl, const std::string& domain) {
  return DomainList::load(ctl, "locals").contains(domain) || DomainList::load(ctl, "rcpthosts").contains(domain);
}

// Relaxed alignment of a passing SPF or DKIM identity with the From domain, whatever the
// domain publishes: the test of the own-domain rule, which applies without a DMARC record.
bool authenticated_as(const std::string& from_domain, const std::string& spf_result, const std::string& spf_domain,
                      const std::vector<dkim::Verdict>& dkim_verdicts) {
  if (spf_result == "pass" && dmarc::aligned(spf_domain, from_domain, false)) return true;
  for (const auto& v : dkim_verdicts)
    if (v.result == dkim::Verdict::Result::kPass && dmarc::aligned(v.domain, from_domain, false)) return true;
  return false;
}

}  // namespace

std::string strip_our_authres(const std::string& home, std::string_view header_block) {
  return authres::strip_ours(header_block, authres::authserv_id(Control(home)));
}

SenderAuth check_sender_auth(const std::string& home, std::string_view message, bool complete) {
  SenderAuth out;
  const char* spf_env = std::getenv("POSTA_SPF");
  if (!spf_env || !*spf_env) return out;
  auto spf_result = spf::parse_env_value(spf_env);
  if (!spf_result) {
    log::warning("POSTA_SPF: ", spf_result.error().what);
    return out;
  }
  out.checked = true;
  Control ctl(home);
  auto resolver = dns::Resolver::from_control(ctl);
  if (!resolver) {
    out.refusal = "Z4.7.1 Unable to check the sender, please try again later";
    log::warning("resolvers: ", resolver.error().what);
    return out;
  }
  std::string crlf = mime::to_crlf(message);
  authres::Checks checks;
  std::string spf_name = spf::result_name(spf_result->code);
  checks.spf = authres::SpfResult{spf_name, spf_result->helo ? "" : spf_result->identity,
                                  spf_result->helo ? spf_result->identity : ""};
  std::vector<dkim::Verdict> dkim_verdicts;
  if (complete) dkim_verdicts = dkim::verify(crlf, dkim::dns_key_fetcher(*resolver, crlf));
  checks.dkim = dkim_verdicts;
  dmarc::Evaluation ev =
      dmarc::evaluate(crlf, dmarc::AuthInputs{spf_name, spf_result->domain, dkim_verdicts}, dmarc::dns_txt_lookup(*resolver));
  checks.dmarc = ev;
  std::string id = authres::authserv_id(ctl);
  out.fields = to_lf(authres::build(id, checks));
  if (const char* received = std::getenv("POSTA_SPF_RECEIVED"); received && *received)
    out.fields += "Received-SPF: " + std::string(received) + "\n";

  std::string dkim_log = dkim_verdicts.empty() ? (complete ? "none" : "unchecked") : "";
  for (const auto& v : dkim_verdicts)
    dkim_log += (dkim_log.empty() ? "" : ",") + std::string(dkim::result_name(v.result)) + ":" + v.domain;
  out.log = "spf=" + spf_name + " dkim=" + dkim_log + " dmarc=" + dmarc::outcome_name(ev.result) +
            (ev.from_domain.empty() ? "" : ":" + ev.from_domain) + " disposition=" + dmarc::policy_name(ev.disposition);

  // A DNS that did not answer must not let through what an answer would refuse.
  bool dkim_unknown = false;
  for (const auto& v : dkim_verdicts) dkim_unknown = dkim_unknown || v.result == dkim::Verdict::Result::kTempError;
  if (ev.result == dmarc::Outcome::kTempError ||
      (ev.disposition != dmarc::Policy::kNone && (dkim_unknown || spf_name == "temperror"))) {
    out.refusal = "Z4.7.1 DMARC policy of " + ev.from_domain + " could not be checked, please try again later";
    return out;
  }
  if (ev.disposition == dmarc::Policy::kReject) {
    if (downgrade_reject(ctl, ev.from_domain)) {
      out.quarantine = true;
    } else {
      out.refusal = "D5.7.1 Rejected by the DMARC policy of " + (ev.from_domain.empty() ? std::string("the From domain") : ev.from_domain) +
                    (ev.reason.empty() ? "" : ": " + ev.reason);
      return out;
    }
  }
  if (ev.disposition == dmarc::Policy::kQuarantine) out.quarantine = true;
  // "CEO fraud": a From of one of our own domains on mail from the network that no aligned
  // SPF or DKIM result vouches for. Our users send through submission, which is not checked.
  if (ev.result != dmarc::Outcome::kPass && !ev.from_domain.empty() && own_domain(ctl, ev.from_domain) &&
      !authenticated_as(ev.from_domain, spf_name, spf_result->domain, dkim_verdicts) &&
      lower(ctl.string("ownfromcheck", "refuse")) != "off") {
    out.refusal = "D5.7.1 From: claims our domain " + ev.from_domain + " but the message is not authenticated";
  }
  return out;
}

}  // namespace posta::spamcheck
