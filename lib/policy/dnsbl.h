// DNS blocklists and allowlists (posta-smtpd(8) "Reputation checks"): which zones, which name to
// ask, and what the answers mean. control/dnsbl, control/dnswl and control/rhsbl have one zone
// a line:
//   zone [=127.0.0.2,127.0.0.10] [reject|score N]
// A name is listed when its A answer holds an address of 127.0.0.0/8 (the codes given, when
// any) outside 127.255.255.0/24, where some lists put their "query refused" answers. A
// blocklist zone rejects unless it says "score N"; an allowlist zone's action is ignored.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "control/control.h"
#include "dns/resolver.h"
#include "net/address.h"

namespace posta::policy {

struct DnsZone {
  std::string zone;
  std::vector<std::string> codes;  // answers that count; empty: any in 127/8
  bool reject = true;              // false: adds score
  double score = 0;
  uint32_t mask = 0;               // nonzero: answers sharing a bit with it count
  bool operator==(const DnsZone&) const = default;
};

[[nodiscard]] Result<DnsZone> parse_zone_line(const std::string& line);
// The zones of control file `name`; malformed lines are logged and skipped.
std::vector<DnsZone> load_zones(const Control& ctl, const std::string& name);

// "4.3.2.1.zone" for 1.2.3.4; the 32 nibbles reversed for IPv6.
std::string reversed_name(const net::IpAddr& ip, const std::string& zone);
// "domain.zone" for a sender domain; nullopt when that name would be too long.
std::optional<std::string> domain_name(const std::string& domain, const std::string& zone);

// The answer code that lists a name in zone z, or nullopt (not listed, or no answer).
std::optional<std::string> listed_code(const DnsZone& z, const dns::Answer& a);

struct ZoneHit {
  const DnsZone* zone = nullptr;
  std::string name;  // the name asked
  std::string code;  // the address it answered
};

struct ZoneQuestion {
  const DnsZone* zone = nullptr;
  std::string name;
};

struct ZoneLookup {
  std::vector<ZoneHit> hits;        // in zone order
  std::vector<std::string> failed;  // zones whose lookup failed (timeout, SERVFAIL): skipped
};

// Asks all the questions at once and sorts the answers (hits in question order).
ZoneLookup look_up(const dns::Resolver& r, const std::vector<ZoneQuestion>& qs);

// Asks every zone at once for the name made by name_of (a zone whose name cannot be made is
// skipped), and sorts the answers.
ZoneLookup look_up_zones(const dns::Resolver& r, const std::vector<DnsZone>& zones,
                         const std::function<std::optional<std::string>(const std::string& zone)>& name_of);

// The text a listing zone publishes for the name (its TXT record), or a default naming the
// zone; never more than 200 printable characters.
std::string listing_text(const dns::Resolver& r, const ZoneHit& hit);

}  // namespace posta::policy
