#include "mailsearch/text.h"

#include <strings.h>

#include <time.h>

#include "mime/address.h"
#include "mime/decode.h"

namespace posta::mailsearch {
namespace {

constexpr size_t kMaxText = 64u << 20;

bool same_name(const mime::HeaderField& h, std::string_view name) {
  return h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0;
}

}  // namespace

std::string header_text(const std::vector<mime::HeaderField>& headers, std::string_view name) {
  std::string out;
  for (const auto& h : headers)
    if (same_name(h, name)) out += mime::decode_words(h.value) + '\n';
  return out;
}

std::string address_text(const std::vector<mime::HeaderField>& headers, std::string_view name) {
  std::string out = header_text(headers, name);
  for (const auto& h : headers) {
    if (!same_name(h, name)) continue;
    for (const auto& a : mime::parse_addresses(h.value, 500)) {
      if (a.group_end) continue;
      std::string display = mime::decode_words(a.has_name ? a.name : a.comment);
      out += display + ' ' + a.mailbox;
      if (!a.host.empty()) out += '@' + a.host;
      out += '\n';
    }
  }
  return out;
}

std::string body_text(const mime::Part& root, std::string_view message) {
  std::string out;
  // Depth-first over an explicit stack: the parser already bounds depth and part count.
  std::vector<const mime::Part*> todo{&root};
  while (!todo.empty() && out.size() < kMaxText) {
    const mime::Part* p = todo.back();
    todo.pop_back();
    if (p->multipart()) {
      for (auto it = p->children.rbegin(); it != p->children.rend(); ++it) todo.push_back(&*it);
    } else if (p->rfc822() && !p->children.empty()) {
      for (const auto& h : p->children[0].headers) out += mime::decode_words(h.value) + '\n';
      todo.push_back(&p->children[0]);
    } else if (p->type == "text" || p->type == "message") {
      out += mime::decode_body(message.substr(p->body_start, p->body_size()), p->encoding, p->param("charset"));
      out += '\n';
    }
  }
  return out;
}

std::optional<time_t> date_day(std::string_view value) {
  std::string s(value);
  if (auto comma = s.find(','); comma != std::string::npos) s.erase(0, comma + 1);
  struct tm tm{};
  // strptime's %b reads month names in the C locale, which the tools keep.
  if (!strptime(s.c_str(), " %d %b %Y", &tm)) return std::nullopt;
  int year = tm.tm_year + 1900;  // obsolete two- and three-digit years (RFC 5322 4.3)
  if (year < 50) tm.tm_year = year + 100;
  else if (year < 1000) tm.tm_year = year;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return timegm(&tm);
}

bool contains_folded(std::string_view hay, std::string_view needle_folded) {
  if (needle_folded.empty()) return true;
  return mime::fold(hay).find(needle_folded) != std::string::npos;
}

std::string_view bare_message_id(std::string_view id) {
  while (!id.empty() && (id.front() == ' ' || id.front() == '\t' || id.front() == '<')) id.remove_prefix(1);
  while (!id.empty() && (id.back() == ' ' || id.back() == '\t' || id.back() == '>' || id.back() == '\r' || id.back() == '\n'))
    id.remove_suffix(1);
  return id;
}

}  // namespace posta::mailsearch
