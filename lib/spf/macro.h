// SPF macro strings (RFC 7208 section 7): syntax check and expansion.
#pragma once
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "net/address.h"

namespace posta::spf {

// What the macro letters stand for during one check_host() call.
struct MacroContext {
  std::string sender;        // s: <sender>, the local part defaulting to "postmaster"
  std::string local_part;    // l
  std::string sender_domain; // o
  std::string domain;        // d: the current domain
  net::IpAddr ip;            // i, c, v
  std::string helo;          // h
  std::string receiver = "unknown";  // r (explanations only)
  std::time_t now = 0;       // t (explanations only)
  // p: the validated domain name of ip (RFC 7208 5.5 rules, "unknown" when none); asked
  // only when a macro uses it, since it costs DNS lookups.
  std::function<std::string()> validated_name;
};

// The letters c, r and t are allowed only in explanation strings (RFC 7208 7.3).
enum class MacroUse { kDomain, kExplanation };

// The syntax of a macro-string; explanation strings also allow c r t.
[[nodiscard]] Status check_macro_string(std::string_view s, MacroUse use);

// Expands s; fails on the syntax errors check_macro_string reports.
[[nodiscard]] Result<std::string> expand_macros(std::string_view s, const MacroContext& ctx, MacroUse use);

// i for the address: dotted quad, or 32 dot-separated nibbles for IPv6 (RFC 7208 7.3).
std::string macro_ip(const net::IpAddr& ip);

}  // namespace posta::spf
