#include "dkim/tags.h"

#include "dkim/canon.h"

namespace posta::dkim {
namespace {

bool valid_tag_name(std::string_view n) {
  if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

Result<Tags> parse_tags(std::string_view list) {
  Tags out;
  size_t pos = 0;
  for (;;) {
    size_t semi = list.find(';', pos);
    auto part = list.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (!trim_wsp(part).empty()) return fail("malformed tag list");
    } else {
      std::string name = trim_wsp(part.substr(0, eq));
      if (!valid_tag_name(name)) return fail("malformed tag name");
      if (out.count(name)) return fail("duplicate tag " + name);
      out[name] = trim_wsp(part.substr(eq + 1));
    }
    if (semi == std::string_view::npos) return out;
    pos = semi + 1;
  }
}

std::string without_fws(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  return out;
}

}  // namespace posta::dkim
