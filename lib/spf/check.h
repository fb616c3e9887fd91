// SPF evaluation: check_host() of RFC 7208 section 4, with its processing limits (4.6.4:
// 10 mechanisms or modifiers that query DNS, 2 void lookups, 10 names per mx or ptr),
// explanations (6.2) and the identities of an SMTP transaction (2.3, 2.4).
#pragma once
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.h"
#include "spf/lookup.h"

namespace posta::spf {

// The seven results of RFC 7208 section 2.6, in its order.
enum class ResultCode { kNone, kNeutral, kPass, kFail, kSoftfail, kTempError, kPermError };
const char* result_name(ResultCode r);  // "none" "neutral" "pass" "fail" "softfail" "temperror" "permerror"
std::optional<ResultCode> parse_result_name(std::string_view s);

struct CheckResult {
  ResultCode code = ResultCode::kNone;
  std::string domain;       // the domain whose policy was evaluated (the identity's)
  std::string mechanism;    // the directive that matched, "default" when none did, else ""
  std::string explanation;  // fail: the exp= text or the default explanation; else ""
  std::string problem;      // temperror, permerror: what went wrong
  int dns_lookups = 0;      // terms that counted against the limit of 10
  int void_lookups = 0;
};

// What the receiver knows of one SMTP transaction.
struct Identity {
  net::IpAddr ip;
  std::string mail_from;  // the MAIL FROM address without <>; "" for the null sender
  std::string helo;       // the HELO/EHLO argument
  std::string receiver;   // our host name (the r macro of explanations)
};

struct Options {
  // The explanation of a fail whose record has no (usable) exp=; a macro string.
  std::string default_explanation = "%{o} does not designate %{c} as permitted sender";
  std::time_t now = 0;  // the t macro; 0: the current time
  // The whole check's DNS time (RFC 7208 4.6.4 suggests at least 20 seconds): a query
  // that would start later is a temporary failure, so the result is temperror.
  std::chrono::seconds time_limit{20};
};

// RFC 7208 check_host(ip, domain, sender): sender is a full address ("postmaster@h" for
// the HELO identity). A malformed or single-label domain gives none (4.3).
CheckResult check_host(const net::IpAddr& ip, const std::string& domain, const std::string& sender,
                       const Identity& id, Lookup& dns, const Options& opt = {});

// The MAIL FROM identity (2.4): its domain, or, for the null sender, postmaster@HELO.
CheckResult check_mail_from(const Identity& id, Lookup& dns, const Options& opt = {});
// The HELO identity (2.3): postmaster@HELO; none for an address literal.
CheckResult check_helo(const Identity& id, Lookup& dns, const Options& opt = {});

}  // namespace posta::spf
