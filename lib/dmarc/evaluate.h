// DMARC evaluation (RFC 7489 sections 4.2, 6.6): policy discovery at _dmarc.<From domain>
// then at its organisational domain, SPF and DKIM identifier alignment, p/sp/pct, and the
// result with the disposition the policy asks for.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/verify.h"
#include "dmarc/record.h"
#include "dns/resolver.h"

namespace posta::dmarc {

// A TXT lookup: dns_txt_lookup in programs, a table in tests.
using TxtLookup = std::function<dns::Answer(const std::string& name)>;
TxtLookup dns_txt_lookup(const dns::Resolver& resolver);  // resolver must outlive it

struct Discovery {
  enum class Status { kFound, kNone, kTempError, kPermError };
  Status status = Status::kNone;
  Record record;
  std::string domain;  // where the record was found
  std::string error;   // kTempError, kPermError: why
};
// kNone: no record at either name; kPermError: the first name with DMARC records has more
// than one, or an invalid one; kTempError: a DNS failure before a record was found.
Discovery discover(std::string_view from_domain, const TxtLookup& lookup);

struct AuthInputs {
  // The SPF result (RFC 7208 name: "pass", "fail", ...; "" when not checked) for spf_domain,
  // the MAIL FROM domain, or the HELO name when MAIL FROM was <>.
  std::string spf_result;
  std::string spf_domain;
  std::vector<dkim::Verdict> dkim;  // only kPass verdicts count for alignment
};

enum class Outcome { kPass, kFail, kNone, kTempError, kPermError };
const char* outcome_name(Outcome o);  // "pass", "fail", "none", "temperror", "permerror"

struct Evaluation {
  Outcome result = Outcome::kNone;
  std::string from_domain;    // header.from ("" when the From field was the problem)
  std::string policy_domain;  // where the record was found
  std::optional<Record> record;
  Policy policy = Policy::kNone;       // p= or sp= as it applies to from_domain
  Policy disposition = Policy::kNone;  // what to do: none unless result is kFail (or the From
                                       // field is unusable, see evaluate)
  bool spf_aligned = false, dkim_aligned = false;
  std::string dkim_domain;  // d= of the aligned passing signature
  bool sampled_out = false; // pct= left this message out: the next less strict disposition
  std::string reason;       // for everything but kPass
};

// Returns 0..99; pct=N applies the policy when the value is below N.
using Sampler = std::function<int()>;
int random_percent();

// One From domain.
Evaluation evaluate_domain(const std::string& from_domain, const AuthInputs& in, const TxtLookup& lookup,
                           const Sampler& sample = random_percent);

// The message's From field (from.h): each distinct domain of its addresses is evaluated and
// the evaluation with the strictest disposition (then the worst result) is returned. A message
// with more than one From field, or more than kMaxFromDomains domains in it, is kPermError
// with disposition reject (RFC 7489 section 6.6.1: a reader could be shown a From other than
// the one checked); no From field, or one without a usable domain, is kPermError with
// disposition none.
Evaluation evaluate(std::string_view message, const AuthInputs& in, const TxtLookup& lookup,
                    const Sampler& sample = random_percent);

}  // namespace posta::dmarc
