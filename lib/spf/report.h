// How an SPF result is told to people and to the next program: the comment of spfquery and
// of a Received-SPF header, the header's key=value list (RFC 7208 9.1), and the POSTA_SPF
// environment variable posta-smtpd hands the queue program (posta-smtpd(8)).
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

#include "spf/check.h"

namespace posta::spf {

// "domain of example.com designates 192.0.2.1 as permitted sender" and the like.
std::string result_comment(const CheckResult& r, const net::IpAddr& ip);

// The identity checked: "mailfrom", or "helo" for the null sender.
const char* identity_name(const Identity& id);

// "pass (HOST: COMMENT) client-ip=...; envelope-from=\"...\"; helo=...; receiver=...;
// identity=mailfrom" - the value of a Received-SPF header, unfolded.
std::string received_spf(const CheckResult& r, const Identity& id);

// POSTA_SPF's value: "RESULT smtp.mailfrom=ADDR" (or "smtp.helo=NAME" for the HELO identity),
// the RFC 8601 method and property the filter puts in Authentication-Results.
std::string env_value(const CheckResult& r, const Identity& id);

// POSTA_SPF read back, for the filter: the result and the identity it is about. domain is
// what DMARC aligns with (RFC 7489 3.1.2): the address's domain, or the HELO name.
struct EnvResult {
  ResultCode code = ResultCode::kNone;
  bool helo = false;     // smtp.helo= (the null sender) rather than smtp.mailfrom=
  std::string identity;  // the address or the HELO name
  std::string domain;    // lower case
};
[[nodiscard]] Result<EnvResult> parse_env_value(std::string_view v);

}  // namespace posta::spf
