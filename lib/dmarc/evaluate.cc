#include "dmarc/evaluate.h"

#include <stdlib.h>

#include "dmarc/from.h"
#include "dmarc/orgdomain.h"

namespace posta::dmarc {
namespace {

// Step 2 of section 6.6.3 at one name: the records that start with v=DMARC1.
Discovery lookup_at(const std::string& domain, const TxtLookup& lookup) {
  Discovery d;
  d.domain = domain;
  auto a = lookup("_dmarc." + domain);
  if (a.status == dns::QueryStatus::kTempFail) {
    d.status = Discovery::Status::kTempError;
    d.error = "DMARC record lookup for " + domain + ": " + a.error;
    return d;
  }
  std::vector<std::string> records;
  for (auto& r : a.records)
    if (is_dmarc_record(r.data)) records.push_back(r.data);
  if (records.empty()) return d;  // kNone
  if (records.size() > 1) {
    d.status = Discovery::Status::kPermError;
    d.error = "more than one DMARC record at _dmarc." + domain;
    return d;
  }
  auto rec = parse_record(records.front());
  if (!rec) {
    d.status = Discovery::Status::kPermError;
    d.error = rec.error().what + " (_dmarc." + domain + ")";
    return d;
  }
  d.status = Discovery::Status::kFound;
  d.record = *rec;
  return d;
}

Policy less_strict(Policy p) { return p == Policy::kReject ? Policy::kQuarantine : Policy::kNone; }

int rank(const Evaluation& e) {
  switch (e.result) {
    case Outcome::kFail: return 4;
    case Outcome::kTempError: return 3;
    case Outcome::kPermError: return 2;
    case Outcome::kNone: return 1;
    case Outcome::kPass: return 0;
  }
  return 0;
}

}  // namespace

TxtLookup dns_txt_lookup(const dns::Resolver& resolver) {
  return [&resolver](const std::string& name) { return resolver.query(name, dns::kTxt); };
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kNone: return "none";
    case Outcome::kTempError: return "temperror";
    case Outcome::kPermError: return "permerror";
  }
  return "?";
}

int random_percent() { return static_cast<int>(arc4random_uniform(100)); }

Discovery discover(std::string_view from_domain, const TxtLookup& lookup) {
  std::string from(from_domain);
  Discovery d = lookup_at(from, lookup);
  if (d.status != Discovery::Status::kNone) return d;
  std::string org = organizational_domain(from);
  if (org == from) return d;
  return lookup_at(org, lookup);
}

Evaluation evaluate_domain(const std::string& from_domain, const AuthInputs& in, const TxtLookup& lookup,
                           const Sampler& sample) {
  Evaluation e;
  e.from_domain = from_domain;
  auto d = discover(from_domain, lookup);
  switch (d.status) {
    case Discovery::Status::kNone: e.reason = "no DMARC record"; return e;
    case Discovery::Status::kTempError: e.result = Outcome::kTempError; e.reason = d.error; return e;
    case Discovery::Status::kPermError: e.result = Outcome::kPermError; e.reason = d.error; return e;
    case Discovery::Status::kFound: break;
  }
  e.record = d.record;
  e.policy_domain = d.domain;
  e.policy = d.record.applies_to(d.domain != from_domain);
  e.spf_aligned = in.spf_result == "pass" && aligned(in.spf_domain, from_domain, d.record.aspf == Alignment::kStrict);
  for (auto& v : in.dkim) {
    if (v.result != dkim::Verdict::Result::kPass) continue;
    if (aligned(v.domain, from_domain, d.record.adkim == Alignment::kStrict)) {
      e.dkim_aligned = true;
      e.dkim_domain = v.domain;
      break;
    }
  }
  if (e.spf_aligned || e.dkim_aligned) {
    e.result = Outcome::kPass;
    return e;
  }
  e.result = Outcome::kFail;
  e.reason = "neither SPF nor DKIM is aligned with " + from_domain;
  e.disposition = e.policy;
  if (e.policy != Policy::kNone && sample() >= d.record.pct) {
    e.sampled_out = true;
    e.disposition = less_strict(e.policy);
  }
  return e;
}

Evaluation evaluate(std::string_view message, const AuthInputs& in, const TxtLookup& lookup, const Sampler& sample) {
  auto from = from_domains(message);
  if (from.problem != FromDomains::Problem::kNone) {
    Evaluation e;
    e.result = Outcome::kPermError;
    e.reason = problem_text(from.problem);
    if (from.problem == FromDomains::Problem::kManyFromFields || from.problem == FromDomains::Problem::kTooManyDomains)
      e.disposition = Policy::kReject;
    return e;
  }
  std::optional<Evaluation> worst;
  for (auto& domain : from.domains) {
    auto e = evaluate_domain(domain, in, lookup, sample);
    if (!worst || e.disposition > worst->disposition || (e.disposition == worst->disposition && rank(e) > rank(*worst)))
      worst = std::move(e);
  }
  return *worst;
}

}  // namespace posta::dmarc
