#include "mime/mbox_write.h"

namespace posta::mime {

std::string mbox_entry(std::string_view message, std::string_view sender, time_t date) {
  struct tm tm{};
  gmtime_r(&date, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
  std::string out = "From ";
  out += sender.empty() || sender.find_first_of(" \t\r\n") != std::string_view::npos ? "MAILER-DAEMON" : sender;
  out += ' ';
  out += when;
  out += '\n';
  out.reserve(out.size() + message.size() + 64);
  while (!message.empty()) {
    size_t nl = message.find('\n');
    std::string_view line = message.substr(0, nl == std::string_view::npos ? message.size() : nl + 1);
    message.remove_prefix(line.size());
    size_t quotes = line.find_first_not_of('>');
    if (quotes != std::string_view::npos && line.substr(quotes).starts_with("From ")) out += '>';
    out += line;
  }
  if (!out.ends_with('\n')) out += '\n';
  out += '\n';
  return out;
}

}  // namespace posta::mime
