#include "dmarc/from.h"

#include <algorithm>

#include "dns/wire.h"
#include "mailhdr/mailhdr.h"
#include "mime/address.h"

namespace posta::dmarc {
namespace {

// Letters, digits, '-', '_' and dots: what a DNS name in a header must be (A-labels for
// international names), and safe to print in Authentication-Results.
bool ldh(std::string_view d) {
  return std::all_of(d.begin(), d.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

const char* problem_text(FromDomains::Problem p) {
  switch (p) {
    case FromDomains::Problem::kNone: return "";
    case FromDomains::Problem::kNoFrom: return "no From field";
    case FromDomains::Problem::kManyFromFields: return "more than one From field";
    case FromDomains::Problem::kTooManyDomains: return "more than 5 domains in the From field";
    case FromDomains::Problem::kNoDomain: return "From has no address with a valid domain name";
  }
  return "?";
}

FromDomains from_domains(std::string_view message) {
  FromDomains out;
  auto h = mailhdr::parse_header(message);
  auto values = mailhdr::values(h, "From");
  if (values.empty()) {
    out.problem = FromDomains::Problem::kNoFrom;
    return out;
  }
  if (values.size() > 1) {
    out.problem = FromDomains::Problem::kManyFromFields;
    return out;
  }
  for (auto& a : mime::parse_addresses(values.front(), 100)) {
    if (a.group_start || a.group_end) continue;
    auto d = dns::normalize_name(a.host);
    if (a.mailbox.empty() || !d || d->find('.') == std::string::npos || !ldh(*d)) {
      out.problem = FromDomains::Problem::kNoDomain;
      out.domains.clear();
      return out;
    }
    if (std::find(out.domains.begin(), out.domains.end(), *d) != out.domains.end()) continue;
    if (out.domains.size() == kMaxFromDomains) {
      out.problem = FromDomains::Problem::kTooManyDomains;
      out.domains.clear();
      return out;
    }
    out.domains.push_back(*d);
  }
  if (out.domains.empty()) out.problem = FromDomains::Problem::kNoDomain;
  return out;
}

}  // namespace posta::dmarc
