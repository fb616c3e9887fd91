// Where mail for a domain goes (RFC 5321 section 5.1): MX records in preference order
// (equal preferences shuffled), the implicit MX (the domain's own A/AAAA) when there is
// none, and null MX (RFC 7505) as a permanent refusal.
#pragma once
#include <string>
#include <vector>

#include "dns/resolver.h"

namespace posta::dns {

struct Target {
  std::string host;                    // MX exchange, relay host, or the domain itself
  int pref = 0;
  std::vector<std::string> addresses;  // IPv4 first, then IPv6
};

struct Destination {
  enum class Kind { kOk, kNullMx, kNoSuchDomain, kNoAddress, kTempFail };
  Kind kind = Kind::kTempFail;
  std::vector<Target> targets;  // kOk: non-empty, every target has addresses
  std::string error;            // human readable for every other kind
  bool permanent() const { return kind == Kind::kNullMx || kind == Kind::kNoSuchDomain || kind == Kind::kNoAddress; }
};

struct LookupOptions {
  bool ipv6 = true;     // also ask for AAAA
  bool shuffle = true;  // shuffle MX hosts of equal preference (tests switch it off)
};

// MX resolution for a recipient domain. "[1.2.3.4]" or "[IPv6:..]" literals skip DNS.
Destination resolve_mx(const Resolver& r, const std::string& domain, const LookupOptions& o = {});
// A/AAAA (no MX) for a relay host from smtproutes; IP literals with or without brackets.
Destination resolve_host(const Resolver& r, const std::string& host, const LookupOptions& o = {});

// Orders MX records (pure; exposed for tests): by preference, equal ones shuffled when asked,
// null MX recognised. Returns false when the records amount to a null MX.
bool order_mx(std::vector<Record>& mx, bool shuffle);

// "1.2.3.4", "[1.2.3.4]", "[IPv6:::1]", "::1" -> the address text; empty when not a literal.
std::string ip_literal(const std::string& s);

}  // namespace posta::dns
