#include "scan/settings.h"

#include "base/strings.h"

namespace posta::scan {

Result<std::pair<std::string, std::string>> split_setting(std::string_view line) {
  auto t = trim_view(line);
  size_t sp = t.find_first_of(" \t");
  if (sp == std::string_view::npos) return fail("a setting without a value: " + std::string(t));
  return std::pair(lower(std::string(t.substr(0, sp))), trim(t.substr(sp)));
}

Result<uint64_t> parse_bytes(std::string_view s) {
  auto n = parse_byte_size(s);
  if (!n) return fail("not a size (N, NK, NM, NG): " + std::string(s));
  return *n;
}

}  // namespace posta::scan
