// SPF records (RFC 7208 section 4.5 selection, section 12 ABNF): a strict parser. Every
// syntax error anywhere in a record makes the whole record a permerror (RFC 7208 4.6), so
// the parser either returns the complete record or an error.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "net/address.h"

namespace posta::spf {

enum class Qualifier : char { kPass = '+', kFail = '-', kSoftfail = '~', kNeutral = '?' };
enum class MechanismKind { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };
const char* mechanism_name(MechanismKind k);

struct Mechanism {
  Qualifier qualifier = Qualifier::kPass;
  MechanismKind kind = MechanismKind::kAll;
  // a, mx, ptr: optional (empty: the current domain); include, exists: required. A macro
  // string, expanded at evaluation.
  std::string domain_spec;
  int cidr4 = 32;   // a, mx: the IPv4 prefix length (dual-cidr-length)
  int cidr6 = 128;  // a, mx: the IPv6 prefix length
  net::Cidr network;  // ip4, ip6
  std::string text;   // the term as written, for logs and comments
};

struct Record {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;  // domain-spec
  std::optional<std::string> exp;       // domain-spec
  // name=macro-string modifiers this implementation does not know (RFC 7208 6: ignored)
  std::vector<std::pair<std::string, std::string>> unknown_modifiers;
};

// "v=spf1" (any case) alone or followed by a space: the TXT record is an SPF record
// (RFC 7208 4.5); anything else, "v=spf10" included, is not.
bool is_spf_record(std::string_view txt);

// Parses a whole record, version tag included. The error names the offending term.
[[nodiscard]] Result<Record> parse_record(std::string_view txt);

// domain-spec = macro-string domain-end (RFC 7208 7.1): syntax only.
bool valid_domain_spec(std::string_view s);

}  // namespace posta::spf
