// SPF (RFC 7208) at MAIL FROM: the identity checked, the policy's answer, and the result
// handed to the queue program (posta-smtpd(8), POSTA_SPF).
#include "control/control.h"
#include "dns/resolver.h"
#include "log/log.h"
#include "net/address.h"
#include "smtpd.h"
#include "spf/check.h"
#include "spf/lookup.h"
#include "spf/report.h"

namespace posta::smtpd {

// Authenticated sessions and local ones (posta-sendmail -bs) are ours; trusted networks
// are the admin's.
bool Session::spf_applies() const {
  if (!cfg_.spf_policy.enabled || !auth_user_.empty() || cfg_.local_session) return false;
  auto ip = net::parse_ip(cfg_.remote_ip);
  return ip && !cfg_.trustednets.contains(*ip);
}

bool Session::spf_allows(const std::string& sender) {
  if (!spf_applies()) return true;
  spf::Identity id;
  id.ip = *net::parse_ip(cfg_.remote_ip);
  id.mail_from = sender;
  id.helo = helo_;
  id.receiver = cfg_.me;
  spf::CheckResult r;
  if (!spf_dns_) {
    auto resolver = dns::Resolver::from_control(Control(cfg_.home));
    if (resolver) spf_dns_ = std::make_unique<spf::ResolverLookup>(std::move(*resolver));
    else r = spf::CheckResult{spf::ResultCode::kTempError, "", "", "", resolver.error().what};
  }
  if (spf_dns_) r = spf::check_mail_from(id, *spf_dns_);
  tx_.spf = spf::env_value(r, id);
  tx_.spf_received = spf::received_spf(r, id);
  auto refusal = spf::refusal(cfg_.spf_policy, r, id.ip);
  log::info(cfg_.remote_ip, ": spf=", spf::result_name(r.code), " ", spf::identity_name(id), "=<",
            log::printable(id.mail_from.empty() ? id.helo : id.mail_from, 200), ">",
            r.problem.empty() ? "" : " problem=\"" + log::printable(r.problem, 200) + "\"",
            refusal ? " refused" : "");
  if (!refusal) return true;
  if (refusal->code >= 500) return refuse(refusal->code, refusal->enhanced.c_str(), refusal->text);
  reply(refusal->code, refusal->enhanced.c_str(), refusal->text);
  return false;
}

}  // namespace posta::smtpd
