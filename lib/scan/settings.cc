#include "scan/settings.h"

#include <charconv>

#include "base/strings.h"

namespace posta::scan {

Result<std::pair<std::string, std::string>> split_setting(std::string_view line) {
  auto t = trim_view(line);
  size_t sp = t.find_first_of(" \t");
  if (sp == std::string_view::npos) return fail("a setting without a value: " + std::string(t));
  return std::pair(lower(std::string(t.substr(0, sp))), trim(t.substr(sp)));
}

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<uint64_t> parse_bytes(std::string_view s) {
  uint64_t mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k': case 'K': mult = 1ull << 10; break;
      case 'm': case 'M': mult = 1ull << 20; break;
      case 'g': case 'G': mult = 1ull << 30; break;
      default: break;
    }
  }
  auto n = parse_number(mult == 1 ? s : s.substr(0, s.size() - 1));
  if (!n || *n > UINT64_MAX / mult) return fail("not a size (N, NK, NM, NG): " + std::string(s));
  return *n * mult;
}

}  // namespace posta::scan
