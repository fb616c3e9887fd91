// Outbound routing and policy control files:
//   control/smtproutes       "domain:host[:port]", ".domain:host" (subdomains), ":host[:port]"
//                            (smarthost for every other domain), "domain:" (normal MX lookup,
//                            an exception to the smarthost). host may be "[1.2.3.4]" or
//                            "[::1]" and is looked up by A/AAAA, never MX (qmail semantics).
//   control/smtproutes-auth  "host user password" (mode 0600): credentials for a relay host
//   control/tlspolicy        "domain policy" with policy none|may|encrypt|verify; "." or "*"
//                            sets the default (may); ".domain" matches subdomains
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::smtpc {

struct Route {
  bool use_mx = true;  // no relay: look up the recipient domain's MX
  std::string host;    // relay host as written (without brackets or port)
  int port = 0;        // 0: default (control/smtpport, else 25)
};

// Parses one "host[:port]" or "[ip]:port" relay specification.
[[nodiscard]] Result<Route> parse_relay(const std::string& spec);
// The route for domain from smtproutes lines; exact match beats ".suffix", which beats ":".
[[nodiscard]] Result<Route> find_route(const std::vector<std::string>& lines, const std::string& domain);

struct Credentials {
  std::string user, password;
};
std::optional<Credentials> find_credentials(const std::vector<std::string>& lines, const std::string& host);

enum class TlsPolicy { kNone, kMay, kEncrypt, kVerify };
const char* policy_name(TlsPolicy p);
[[nodiscard]] Result<TlsPolicy> parse_policy(const std::string& word);
// Policy for the recipient domain; malformed lines are errors (a typo must not silently
// downgrade to plain text).
[[nodiscard]] Result<TlsPolicy> find_policy(const std::vector<std::string>& lines, const std::string& domain);

}  // namespace posta::smtpc
