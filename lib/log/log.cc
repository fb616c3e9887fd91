#include "log/log.h"

#include <unistd.h>

#include <cstdlib>

#include "base/hex.h"
#include "io/fd.h"

namespace posta::log {
namespace {
std::string& prog() {
  static std::string p = "posta";
  return p;
}
}  // namespace

void set_program(std::string_view name) {
  auto slash = name.rfind('/');
  prog() = std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

const std::string& program() { return prog(); }

void line(std::string_view level, std::string_view msg) {
  std::string out;
  out.reserve(prog().size() + level.size() + msg.size() + 5);
  out.append(prog()).append(": ").append(level).append(": ").append(printable(msg, 4000)).append("\n");
  (void)write_all(2, out);
}

void fatal(int code, std::string_view msg) {
  line("fatal", msg);
  std::_Exit(code);
}

std::string printable(std::string_view s, size_t max) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7f)
      append_hex_byte(out, "\\x", c, HexCase::kLower);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace posta::log
