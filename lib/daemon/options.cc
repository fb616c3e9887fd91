#include "daemon/options.h"

#include <charconv>
#include <cstring>
#include <string>

#include "base/exitcode.h"
#include "log/log.h"

namespace posta {

void usage_exit(std::string_view why, std::string_view usage_line) {
  if (!why.empty()) log::line("fatal", std::string(why));
  log::fatal(kExitUsageS6, std::string(usage_line));
}

long option_number(const char* s, long lo, long hi, char opt, std::string_view usage_line) {
  long v = 0;
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, v);
  if (ec != std::errc() || p != end || v < lo || v > hi)
    usage_exit(log::cat("-", opt, " needs a number from ", lo, " to ", hi), usage_line);
  return v;
}

}  // namespace posta
