// SEARCH RETURN options (RFC 4731 ESEARCH, RFC 5182 SEARCHRES).
#include "base/strings.h"
#include "imap/parser.h"

namespace posta::imap {

std::optional<SearchReturn> Parser::search_return() {
  SearchReturn r;
  if (!skip('(')) return std::nullopt;
  while (!skip(')')) {
    if (r.min || r.max || r.all || r.count || r.save) {
      if (!sp()) return std::nullopt;
    }
    auto a = atom();
    if (!a) return std::nullopt;
    std::string o = upper(*a);
    bool* flag = o == "MIN" ? &r.min : o == "MAX" ? &r.max : o == "ALL" ? &r.all : o == "COUNT" ? &r.count
               : o == "SAVE" ? &r.save : nullptr;
    if (!flag) { failed("unknown SEARCH return option " + o); return std::nullopt; }
    *flag = true;
  }
  if (!r.min && !r.max && !r.count && !r.save) r.all = true;  // "RETURN ()" (RFC 4731 3.1)
  return r;
}

}  // namespace posta::imap
