// Recipient and relay policy (RCPT), and sender ownership of an authenticated session.
#include "accounts/lookup.h"
#include "accounts/ownership.h"
#include "control/control.h"
#include "log/log.h"
#include "smtpd.h"

namespace posta::smtpd {

bool Session::is_local_domain(const std::string& domain, bool& temp) {
  if (cfg_.locals.contains(domain)) return true;
  std::string err;
  auto* acc = accounts(err);
  if (!acc) {
    log::warning("unable to open the accounts database: ", err);
    temp = true;
    return false;
  }
  auto r = acc->is_local_domain(domain);
  if (!r) {
    if (r.error().code == accounts::kErrInvalid) return false;
    log::warning("domain lookup failed: ", r.error().what);
    temp = true;
    return false;
  }
  return *r;
}

Session::RcptVerdict Session::check_recipient(const smtp::Mailbox& m, std::string& why) {
  std::string domain = lower(m.domain);
  bool temp = false;
  // Address literals are never local: mail for [1.2.3.4] is relaying.
  bool local = !m.literal && is_local_domain(domain, temp);
  if (temp) {
    why = "domain lookup";
    return RcptVerdict::kTemporary;
  }
  if (local) {
    auto* acc = accounts(why);
    if (!acc) return RcptVerdict::kTemporary;
    // The whole local part is a local name: "a%b", "b!a" and "\"a@b\"" are looked up as
    // they are (and are unknown), never routed anywhere.
    auto r = acc->resolve(m.local + "@" + domain);
    if (!r) {
      if (r.error().code == accounts::kErrInvalid) return RcptVerdict::kUnknown;
      why = r.error().what;
      return RcptVerdict::kTemporary;
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

bool Session::sender_belongs_to_login(const std::string& sender, bool& temp) {
  std::string err;
  auto* acc = accounts(err);
  if (!acc) {
    temp = true;
    return false;
  }
  auto owned = accounts::sender_owned_by(*acc, sender, auth_user_);
  if (!owned) {
    temp = true;
    return false;
  }
  return *owned;
}

}  // namespace posta::smtpd
