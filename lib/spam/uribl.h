// URI blocklists (posta-spamcheck(8) "URI BLOCKLISTS"): the hosts of the links of a message,
// each reduced to its registered domain (libpsl) or kept as a literal address, asked in the
// DNS list zones of control/uribl (the zone lines of policy/dnsbl.h). A zone that lists one
// of them fires once, as the rule URIBL_<ZONE> with the zone's score. Lookups run all at
// once, within a time budget, for at most a fixed number of targets a message; a lookup
// that fails adds nothing.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/control.h"
#include "dns/resolver.h"
#include "net/address.h"
#include "policy/dnsbl.h"
#include "spam/analysis.h"

namespace posta::spam {

// What a zone without "score N" adds.
inline constexpr double kUriblDefaultScore = 3.0;

struct UriblConfig {
  std::vector<policy::DnsZone> zones;  // control/uribl
  size_t max_targets = 20;             // control/uriblmax: targets asked a message
  std::chrono::milliseconds budget{2000};  // control/timeouturibl: the wait for all answers
  std::vector<dns::Server> servers;    // control/resolvers
};

// control/uribl and its companions; nullopt when no zone is configured (the default).
// Fails when control/resolvers (or resolv.conf) names no usable server.
[[nodiscard]] Result<std::optional<UriblConfig>> load_uribl(const Control& ctl);

// What is looked up for one link: a registered domain, or a literal address.
struct UriTarget {
  std::string shown;                 // "example.co.uk", "192.0.2.1"
  std::optional<net::IpAddr> ip;     // set for a literal address
  bool operator==(const UriTarget&) const = default;
};

// The host of an absolute URL ("http://user@Host:8080/x", "www.host/x"), lower case, without
// its trailing dot; IPv6 literals without brackets. nullopt for relative and other-scheme
// links.
std::optional<std::string> uri_host(std::string_view uri);

// The target of a host: a literal address, or its registered domain when the host is a
// plausible DNS name (ASCII letters, digits, '-', '_'; at least two labels).
std::optional<UriTarget> uri_target(std::string_view host);

// The distinct targets of uris in the order found, at most max.
std::vector<UriTarget> uri_targets(const std::vector<std::string>& uris, size_t max);

// "example.com.zone", or the reversed address under zone; nullopt when too long a name.
std::optional<std::string> uribl_query_name(const UriTarget& t, const std::string& zone);

// "URIBL_MULTI_SURBL_ORG" for multi.surbl.org.
std::string uribl_rule_name(const std::string& zone);

struct UriblResult {
  std::vector<Contribution> fired;   // one for each zone listing a target, in zone order
  std::vector<std::string> failed;   // zones whose lookups failed: nothing added for them
  size_t queries = 0;
};

// Asks every zone about every target at once through r.
UriblResult check_uribl(const dns::Resolver& r, const std::vector<policy::DnsZone>& zones,
                        const std::vector<UriTarget>& targets);

// The whole check over the URLs of a message with the configured resolvers and budget.
UriblResult check_uris(const UriblConfig& c, const std::vector<std::string>& uris);

}  // namespace posta::spam
