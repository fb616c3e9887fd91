#include "smtp/reply.h"

namespace posta::smtp {
namespace {

void append_clean(std::string& out, std::string_view s) {
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 32 || u == 127) ? '?' : c;
  }
}

}  // namespace

std::string format_reply(int code, std::string_view enhanced, std::string_view text) {
  std::string out;
  std::string num = std::to_string(code);
  for (;;) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    out += num;
    out += nl == std::string_view::npos ? ' ' : '-';
    if (!enhanced.empty()) {
      out += enhanced;
      if (!line.empty()) out += ' ';
    }
    append_clean(out, line);
    out += "\r\n";
    if (nl == std::string_view::npos) return out;
    text.remove_prefix(nl + 1);
  }
}

std::string format_lines(int code, const std::vector<std::string>& lines) {
  std::string out;
  std::string num = std::to_string(code);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += num;
    out += i + 1 == lines.size() ? ' ' : '-';
    append_clean(out, lines[i]);
    out += "\r\n";
  }
  return out;
}

bool reply_is_error(int code) { return code >= 400; }

}  // namespace posta::smtp
