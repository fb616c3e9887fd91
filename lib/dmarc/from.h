// The RFC5322.From domains DMARC evaluates (RFC 7489 section 6.6.1).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace posta::dmarc {

// Each From domain costs up to two DNS queries; real mail has one.
inline constexpr size_t kMaxFromDomains = 5;

struct FromDomains {
  enum class Problem {
    kNone,
    kNoFrom,          // no From field
    kManyFromFields,  // more than one From field: a reader may see another than we check
    kTooManyDomains,  // more than kMaxFromDomains distinct domains
    kNoDomain,        // a From without an address, or an address without a valid domain
                      // name (letters, digits, "-", "_", dots; at least two labels)
  };
  Problem problem = Problem::kNone;
  std::vector<std::string> domains;  // distinct, lower case, in order; empty on a problem
};
const char* problem_text(FromDomains::Problem p);

// From the header block at the start of message (the body, if any, is not looked at).
// Several addresses in the one From field give several domains (each is evaluated).
FromDomains from_domains(std::string_view message);

}  // namespace posta::dmarc
