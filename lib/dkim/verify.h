// DKIM verification (RFC 6376 section 6): every DKIM-Signature field of a message is
// checked; keys come from a lookup function (DNS TXT at selector._domainkey.domain).
#pragma once
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

struct Verdict {
  enum class Result { kPass, kFail, kPermError, kTempError };
  Result result = Result::kPermError;
  std::string domain, selector, algorithm;
  std::string reason;  // for everything but kPass
};
const char* result_name(Verdict::Result r);  // "pass", "fail", "permerror", "temperror"

std::vector<Verdict> verify(std::string_view crlf_message, const KeyFetcher& fetch,
                            std::time_t now = std::time(nullptr));

}  // namespace posta::dkim
