// DKIM verification (RFC 6376 section 6, RFC 8463, RFC 8301): the DKIM-Signature fields of
// a message are checked, at most kMaxSignatures of them; keys come from a lookup function
// (DNS TXT at selector._domainkey.domain, dkim/dns_keys.h).
//
// l= (body length): a signature that covers only the first l octets of the canonical body
// still verifies, but when body content follows the signed part (anything an intermediary
// or an attacker could have appended) its result is kPolicy, not kPass: DMARC and the
// Authentication-Results header then treat it as not passing (dkim=policy). A signature whose
// l= covers the whole body is an ordinary kPass.
#pragma once
#include <cstddef>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::dkim {

struct KeyLookup {
  enum class Status { kOk, kNotFound, kTempFail };
  Status status = Status::kNotFound;
  std::string txt;
};
// name is "selector._domainkey.domain".
using KeyFetcher = std::function<KeyLookup(const std::string& name)>;

// Signatures past this many (in header order, topmost first) are not verified: each costs
// a DNS query and a public-key operation, and a message could carry thousands.
inline constexpr size_t kMaxSignatures = 5;
// A t= more than this far in the future is refused (clock skew allowance, as dkimpy's).
inline constexpr std::time_t kFutureSkew = 36000;

struct Verdict {
  // kPolicy: verified, but l= leaves unsigned body content; kNeutral: not verified (past
  // kMaxSignatures).
  enum class Result { kPass, kFail, kPolicy, kNeutral, kPermError, kTempError };
  Result result = Result::kPermError;
  std::string domain, selector, algorithm;  // d= (lower case), s=, a=
  std::string canonicalization;             // c=, as "header/body"
  std::string identity;                     // i=, "" when absent
  size_t unsigned_body = 0;                 // canonical body octets past l=
  bool testing = false;                     // the key record has t=y
  std::string reason;                       // for everything but kPass
};
// "pass", "fail", "policy", "neutral", "permerror", "temperror" (the RFC 8601 names)
const char* result_name(Verdict::Result r);

std::vector<Verdict> verify(std::string_view crlf_message, const KeyFetcher& fetch,
                            std::time_t now = std::time(nullptr));

// "selector._domainkey.domain" of each signature verify() would look up, in order, at most
// kMaxSignatures, without duplicates: what a fetcher may ask the DNS for at once.
std::vector<std::string> key_names(std::string_view crlf_message);

}  // namespace posta::dkim
