// DMARC policy records (RFC 7489 section 6.3): "v=DMARC1; p=reject; ..." as published in TXT
// at _dmarc.<domain>.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::dmarc {

enum class Policy { kNone, kQuarantine, kReject };
enum class Alignment { kRelaxed, kStrict };
const char* policy_name(Policy p);  // "none", "quarantine", "reject"

struct Record {
  Policy p = Policy::kNone;
  std::optional<Policy> sp;  // absent: p applies to subdomains too
  int pct = 100;             // 0..100
  Alignment adkim = Alignment::kRelaxed, aspf = Alignment::kRelaxed;
  std::vector<std::string> rua, ruf;  // URIs as written (with their optional "!size")
  std::vector<std::string> fo = {"0"};  // 0 1 d s
  std::vector<std::string> rf = {"afrf"};
  uint32_t ri = 86400;
  bool p_assumed = false;  // p= was missing and rua= valid: p=none (section 6.6.3)

  // What applies to a From domain: sp= (when present) for a subdomain of the domain the
  // record was found at (its organisational domain), else p=.
  Policy applies_to(bool from_is_subdomain) const { return from_is_subdomain && sp ? *sp : p; }
};

// Tags as RFC 7489 section 6.3 defines them: v=DMARC1 first, then any order; names are case
// sensitive, policy values case-insensitive; unknown tags are ignored. A missing or invalid p=
// is an error unless rua= holds a valid URI (then p=none, as section 6.6.3 says); any other
// invalid value (sp, pct, adkim, aspf, fo, rf, ri, rua, ruf), a repeated tag or a malformed
// tag list is an error.
[[nodiscard]] Result<Record> parse_record(std::string_view txt);

// The TXT text starts a DMARC record ("v" "=" "DMARC1", white space allowed around '=').
bool is_dmarc_record(std::string_view txt);

}  // namespace posta::dmarc
