#include "mime/mbox_status.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/strings.h"

namespace posta::mime {

namespace {

// Maildir letter, the X-Status letter (Status: R stands for S)
constexpr std::array<std::pair<char, char>, 4> kXStatus{{{'R', 'A'}, {'F', 'F'}, {'D', 'T'}, {'T', 'D'}}};

// The length of the header including the empty line that ends it; npos when there is none.
size_t header_length(std::string_view m) {
  if (m.starts_with("\r\n")) return 2;
  if (m.starts_with("\n")) return 1;
  for (size_t nl = m.find('\n'); nl != std::string_view::npos; nl = m.find('\n', nl + 1)) {
    std::string_view rest = m.substr(nl + 1);
    if (rest.starts_with("\r\n")) return nl + 3;
    if (rest.starts_with("\n")) return nl + 2;
  }
  return std::string_view::npos;
}

bool field_is(std::string_view line, std::string_view name) {
  return line.size() >= name.size() && iequals(line.substr(0, name.size()), name);
}

bool is_status_field(std::string_view line) { return field_is(line, "status:") || field_is(line, "x-status:"); }

// Calls f(line) for each header line (with its line end), continuation lines joined to
// their field's first line.
template <typename F>
void for_each_field(std::string_view header, F f) {
  while (!header.empty()) {
    size_t end = 0;
    do {
      size_t nl = header.find('\n', end);
      end = nl == std::string_view::npos ? header.size() : nl + 1;
    } while (end < header.size() && (header[end] == ' ' || header[end] == '\t'));
    f(header.substr(0, end));
    header.remove_prefix(end);
  }
}

}  // namespace

std::string with_mbox_status(std::string_view message, std::string_view flags) {
  size_t hl = header_length(message);
  if (hl == std::string_view::npos) return std::string(message);
  std::string_view blank = message.substr(0, hl).ends_with("\r\n") ? "\r\n" : "\n";
  std::string out;
  out.reserve(message.size() + 40);
  for_each_field(message.substr(0, hl - blank.size()), [&](std::string_view field) {
    if (!is_status_field(field)) out += field;
  });
  out += flags.find('S') != std::string_view::npos ? "Status: RO" : "Status: O";
  out += blank;
  std::string x;
  for (auto [letter, xs] : kXStatus)
    if (flags.find(letter) != std::string_view::npos) x += xs;
  if (!x.empty()) out += "X-Status: " + x + std::string(blank);
  out += message.substr(hl - blank.size());
  return out;
}

std::string take_mbox_status(std::string& message) {
  size_t hl = header_length(message);
  if (hl == std::string::npos) return "";
  std::string header, flags;
  for_each_field(std::string_view(message).substr(0, hl), [&](std::string_view field) {
    if (!is_status_field(field)) {
      header += field;
      return;
    }
    std::string_view value = field.substr(field.find(':') + 1);
    if (field_is(field, "status:")) {
      if (value.find('R') != std::string_view::npos) flags += 'S';
      return;
    }
    for (auto [letter, xs] : kXStatus)
      if (value.find(xs) != std::string_view::npos) flags += letter;
  });
  message = header + message.substr(hl);
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
  return flags;
}

}  // namespace posta::mime
