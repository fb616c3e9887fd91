// SORT criteria (RFC 5256 BNF sort-criteria, RFC 5957 sort-key additions).
#include <algorithm>

#include "base/strings.h"
#include "imap/parser.h"

namespace posta::imap {

std::optional<std::vector<SortCriterion>> Parser::sort_criteria() {
  static constexpr std::pair<const char*, SortKey> kKeys[] = {
      {"ARRIVAL", SortKey::kArrival}, {"CC", SortKey::kCc},     {"DATE", SortKey::kDate},
      {"FROM", SortKey::kFrom},       {"SIZE", SortKey::kSize}, {"SUBJECT", SortKey::kSubject},
      {"TO", SortKey::kTo},           {"DISPLAYFROM", SortKey::kDisplayFrom},
      {"DISPLAYTO", SortKey::kDisplayTo}};
  if (!skip('(')) {
    failed("sort criteria must be a parenthesised list");
    return std::nullopt;
  }
  std::vector<SortCriterion> out;
  bool reverse = false;
  for (;;) {
    auto a = atom();
    if (!a) {
      failed("missing sort key");
      return std::nullopt;
    }
    std::string k = upper(*a);
    if (k == "REVERSE" && !reverse) {
      reverse = true;
      if (!sp()) return std::nullopt;
      continue;
    }
    auto found = std::find_if(std::begin(kKeys), std::end(kKeys), [&](auto& e) { return k == e.first; });
    if (found == std::end(kKeys) || out.size() >= 32) {
      failed("unknown sort key " + k);
      return std::nullopt;
    }
    out.push_back({found->second, reverse});
    reverse = false;
    if (skip(')')) return out;
    if (!sp()) {
      failed("expected a space or ')' in the sort criteria");
      return std::nullopt;
    }
  }
}

}  // namespace posta::imap
