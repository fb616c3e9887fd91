#include "mailhdr/mailhdr.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace posta::mailhdr {

namespace {

bool is_field_name_char(unsigned char c) { return c > 32 && c < 127 && c != ':'; }

// Length of a field-name prefix "name:" of line, 0 when it is not one.
size_t field_name_len(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_field_name_char(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0) return 0;
  size_t j = i;
  while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;  // "Subject :" (obs)
  return j < line.size() && line[j] == ':' ? i : 0;
}

std::string_view strip_eol(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Blanks around a field value (RFC 5322 WSP); line ends are already gone.
std::string trim_ws(std::string_view s) { return trim(s, " \t"); }

bool is_blank_line(std::string_view line) { return strip_eol(line).empty() && !line.empty(); }

}  // namespace

Header parse_header(std::string_view data) {
  Header h;
  size_t first_nl = data.find('\n');
  h.crlf = first_nl != std::string_view::npos && first_nl > 0 && data[first_nl - 1] == '\r';
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    std::string_view line = data.substr(pos, end - pos);
    if (is_blank_line(line)) {
      h.body_offset = end;
      h.complete = true;
      return h;
    }
    bool cont = (line[0] == ' ' || line[0] == '\t');
    if (cont && !h.fields.empty()) {
      Field& f = h.fields.back();
      f.length += line.size();
      f.value = trim_ws(f.value + std::string(strip_eol(line)));
    } else {
      size_t n = field_name_len(line);
      if (n == 0) {
        h.body_offset = pos;
        h.complete = true;
        return h;
      }
      Field f;
      f.name = std::string(line.substr(0, n));
      std::string_view rest = strip_eol(line);
      f.value = trim_ws(rest.substr(rest.find(':') + 1));
      f.offset = pos;
      f.length = line.size();
      h.fields.push_back(std::move(f));
    }
    if (nl == std::string_view::npos) break;
    pos = end;
  }
  h.body_offset = data.size();
  return h;
}

Result<Header> read_header(int fd, size_t max, std::string& raw) {
  raw.clear();
  char buf[16384];
  while (raw.size() < max) {
    size_t want = std::min(sizeof buf, max - raw.size());
    ssize_t r = ::pread(fd, buf, want, static_cast<off_t>(raw.size()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read message");
    if (r == 0) break;
    size_t old = raw.size();
    raw.append(buf, static_cast<size_t>(r));
    // stop once the separator line is in (look back a little over the seam)
    size_t from = old >= 3 ? old - 3 : 0;
    if (raw.find("\n\n", from) != std::string::npos || raw.find("\n\r\n", from) != std::string::npos)
      break;
  }
  return parse_header(raw);
}

size_t count(const Header& h, std::string_view name) {
  size_t n = 0;
  for (const auto& f : h.fields) n += iequals(f.name, name);
  return n;
}

std::vector<std::string> values(const Header& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : h.fields) {
    if (iequals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

std::string first(const Header& h, std::string_view name) {
  for (const auto& f : h.fields) {
    if (iequals(f.name, name)) return f.value;
  }
  return "";
}

std::string make_field(std::string_view name, std::string_view value, std::string_view eol) {
  std::string out(name);
  out += ": ";
  for (char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  out += eol;
  return out;
}

std::string strip_angle(std::string_view s) {
  std::string t = trim_ws(s);
  size_t lt = t.find('<');
  if (lt == std::string::npos) return t;
  size_t gt = t.find('>', lt);
  if (gt == std::string::npos) return t.substr(lt + 1);
  return t.substr(lt + 1, gt - lt - 1);
}

}  // namespace posta::mailhdr
