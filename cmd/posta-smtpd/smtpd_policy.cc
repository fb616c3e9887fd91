// Recipient and relay policy (RCPT), and sender ownership of an authenticated session.
#include "accounts/lookup.h"
#include "accounts/ownership.h"
#include "control/control.h"
#include "log/log.h"
#include "smtpd.h"

namespace posta::smtpd {

Result<bool> Session::is_local_domain(const std::string& domain) {
  if (cfg_.locals.contains(domain)) return true;
  auto acc = accounts();
  if (!acc) {
    log::warning("unable to open the accounts database: ", acc.error().what);
    return std::unexpected(acc.error());
  }
  auto r = (*acc)->is_local_domain(domain);
  if (!r) {
    if (r.error().code == accounts::kErrInvalid) return false;
    log::warning("domain lookup failed: ", r.error().what);
    return std::unexpected(r.error());
  }
  return *r;
}

Result<Session::RcptVerdict> Session::check_recipient(const smtp::Mailbox& m) {
  std::string domain = lower(m.domain);
  // Address literals are never local: mail for [1.2.3.4] is relaying.
  bool local = false;
  if (!m.literal) {
    auto l = is_local_domain(domain);
    if (!l) return fail("domain lookup");
    local = *l;
  }
  if (local) {
    auto acc = accounts();
    if (!acc) return std::unexpected(acc.error());
    // The whole local part is a local name: "a%b", "b!a" and "\"a@b\"" are looked up as
    // they are (and are unknown), never routed anywhere.
    auto r = (*acc)->resolve(m.local + "@" + domain);
    if (!r) {
      if (r.error().code == accounts::kErrInvalid) return RcptVerdict::kUnknown;
      return std::unexpected(r.error());
    }
    switch (r->kind) {
      case accounts::Resolution::kUser:
      case accounts::Resolution::kAlias:
      case accounts::Resolution::kList: return RcptVerdict::kAccept;
      case accounts::Resolution::kDisabled: return RcptVerdict::kDisabled;
      case accounts::Resolution::kUnknownUser:
      case accounts::Resolution::kNotLocal: return RcptVerdict::kUnknown;
    }
    return RcptVerdict::kUnknown;
  }
  if (!m.literal && cfg_.rcpthosts.contains(domain)) return RcptVerdict::kAccept;
  if (cfg_.relayclient || !auth_user_.empty()) return RcptVerdict::kAccept;
  return RcptVerdict::kRelayDenied;
}

Result<bool> Session::sender_belongs_to_login(const std::string& sender) {
  auto acc = accounts();
  if (!acc) return std::unexpected(acc.error());
  return accounts::sender_owned_by(**acc, sender, auth_user_);
}

}  // namespace posta::smtpd
