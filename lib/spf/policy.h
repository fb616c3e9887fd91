// What posta-smtpd does with each SPF result: control/spfpolicy, and the SMTP reply of a
// refusal (RFC 7372 enhanced codes 5.7.23 "SPF validation failed", X.7.24 "SPF validation
// error").
//
// control/spfpolicy: one line of RESULT=ACTION words, RESULT one of fail softfail neutral
// none permerror temperror, ACTION one of accept reject defer; or the single word "off" (no
// SPF check at all). Unnamed results keep their default: fail=reject, the others accept,
// except temperror, which follows fail: defer when fail is reject or defer (a DNS outage
// never lets through what a working DNS would refuse), else accept. pass always accepts.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "spf/check.h"

namespace posta::spf {

enum class Action { kAccept, kReject, kDefer };

struct Policy {
  bool enabled = true;
  std::array<Action, 7> by_result{};  // indexed by ResultCode

  Policy();  // the defaults above
  [[nodiscard]] static Result<Policy> parse(std::string_view line);
  Action action(ResultCode r) const { return by_result[static_cast<size_t>(r)]; }
  std::string str() const;  // every result's action, as parse reads it
};

struct Reply {
  int code = 0;
  std::string enhanced;  // "5.7.23"
  std::string text;
};

// The refusal for this result under the policy; nullopt to accept.
std::optional<Reply> refusal(const Policy& p, const CheckResult& r, const net::IpAddr& ip);

}  // namespace posta::spf
