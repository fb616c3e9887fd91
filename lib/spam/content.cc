#include "spam/content.h"

#include <algorithm>
#include <cctype>

#include "base/hex.h"
#include "base/strings.h"
#include "mime/decode.h"

namespace posta::spam {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

void add_uri(std::string_view u, std::vector<std::string>& out, const ContentLimits& limits) {
  u = trim_view(u);
  while (!u.empty() && std::string_view(".,;:!?)]}'\"").find(u.back()) != std::string_view::npos)
    u.remove_suffix(1);
  if (u.size() < 5 || out.size() >= limits.max_uris) return;
  std::string s(u.substr(0, limits.max_uri));
  if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
}

bool uri_stop(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || u == 0x7f;
}

// "&amp;" and friends at text[i] ('&'): appends the character, returns the length used (0:
// not an entity we know).
size_t decode_entity(std::string_view text, size_t i, std::string& out) {
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", " "}};
  for (auto& [name, value] : kEntities)
    if (starts_with_nocase(text.substr(i), name)) {
      out += value;
      return name.size();
    }
  if (text.substr(i).starts_with("&#")) {
    size_t j = i + 2;
    bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
    if (hex) ++j;
    unsigned long cp = 0;
    size_t digits = 0;
    for (; j < text.size() && digits < 7; ++j, ++digits) {
      int d = hex ? hex_digit_value(text[j]) : std::isdigit(static_cast<unsigned char>(text[j])) ? text[j] - '0' : -1;
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
    }
    if (digits == 0) return 0;
    if (j < text.size() && text[j] == ';') ++j;
    if (cp < 0x80) out += static_cast<char>(cp ? cp : ' ');
    else out += ' ';  // a character that only disguises: a separator keeps words apart
    return j - i;
  }
  return 0;
}

// Where needle (lower case) starts in hay at or after from, ignoring ASCII case; npos if not.
size_t find_nocase(std::string_view hay, std::string_view needle, size_t from = 0) {
  for (size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (starts_with_nocase(hay.substr(i), needle)) return i;
  return std::string_view::npos;
}

// The values of the attributes href=, src= and action= in the tag text between '<' and '>'.
void tag_links(std::string_view tag, std::vector<std::string>& links) {
  for (std::string_view name : {"href", "src", "action"}) {
    size_t p = 0;
    while ((p = find_nocase(tag, name, p)) != std::string_view::npos) {
      size_t q = p + name.size();
      p = q;
      while (q < tag.size() && tag[q] == ' ') ++q;
      if (q >= tag.size() || tag[q] != '=') continue;
      ++q;
      while (q < tag.size() && tag[q] == ' ') ++q;
      char quote = q < tag.size() && (tag[q] == '"' || tag[q] == '\'') ? tag[q] : 0;
      if (quote) ++q;
      size_t end = q;
      while (end < tag.size() && (quote ? tag[end] != quote : !uri_stop(tag[end]))) ++end;
      links.emplace_back(tag.substr(q, end - q));
      break;
    }
  }
}

void append_text(std::string text, Content& c, size_t& total, const ContentLimits& limits) {
  size_t room = limits.max_total_text > total ? limits.max_total_text - total : 0;
  size_t keep = std::min({text.size(), limits.max_part_text, room});
  if (keep < text.size()) c.truncated = true, text.resize(keep);
  total += text.size();
  c.texts.push_back(std::move(text));
}

void walk(std::string_view msg, const mime::Part& p, Content& c, size_t& total, const ContentLimits& limits) {
  if (!p.children.empty()) {
    for (auto& ch : p.children) walk(msg, ch, c, total, limits);
    return;
  }
  if (p.multipart()) return;
  if (c.types.size() < 4096) c.types += (c.types.empty() ? "" : " ") + p.type + "/" + p.subtype;
  if (p.type != "text" || p.disposition == "attachment") return;
  bool html = p.subtype == "html";
  if (html) ++c.html_parts;
  else ++c.text_parts;
  if (total >= limits.max_total_text) {
    c.truncated = true;
    return;
  }
  // base64 grows 4:3, quoted-printable up to 3:1: three times the text limit of raw body
  // is enough for any decoder
  std::string_view body = msg.substr(p.body_start, std::min(p.body_size(), limits.max_part_text * 3));
  std::string text = mime::decode_body(body, p.encoding, p.param("charset"));
  if (html) {
    std::vector<std::string> links;
    text = html_to_text(text, &links);
    for (auto& l : links)
      if (starts_with_nocase(l, "http:") || starts_with_nocase(l, "https:") || starts_with_nocase(l, "www."))
        add_uri(l, c.uris, limits);
  }
  find_uris(text, c.uris, limits);
  append_text(std::move(text), c, total, limits);
}

}  // namespace

std::string html_to_text(std::string_view html, std::vector<std::string>* links) {
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  while (i < html.size()) {
    char ch = html[i];
    if (ch == '&') {
      if (size_t n = decode_entity(html, i, out)) {
        i += n;
        continue;
      }
    }
    if (ch != '<') {
      out += ch;
      ++i;
      continue;
    }
    if (html.substr(i).starts_with("<!--")) {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    size_t end = html.find('>', i);
    if (end == std::string_view::npos) break;
    std::string_view tag = html.substr(i + 1, end - i - 1);
    if (links && links->size() < 4096) tag_links(tag, *links);
    i = end + 1;
    std::string name = mime::fold(tag.substr(0, tag.find_first_of(" \t\r\n/")));
    if (name == "script" || name == "style") {
      size_t close = find_nocase(html, "</" + name, i);
      i = close == std::string_view::npos ? html.size() : close;
      continue;
    }
    // block elements separate words; inline ones (b, span, font) must not split them
    static const std::string_view kBlocks[] = {"br", "p", "div", "tr", "td", "li", "h1", "h2", "h3", "table", "/p", "/div", "/td", "/tr"};
    if (std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks)) out += '\n';
  }
  return out;
}

void find_uris(std::string_view text, std::vector<std::string>& out, const ContentLimits& limits) {
  for (size_t i = 0; i < text.size() && out.size() < limits.max_uris; ++i) {
    char ch = text[i];
    if (ch != 'h' && ch != 'H' && ch != 'w' && ch != 'W') continue;
    if (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))) continue;
    std::string_view rest = text.substr(i);
    if (!starts_with_nocase(rest, "http://") && !starts_with_nocase(rest, "https://") &&
        !starts_with_nocase(rest, "www."))
      continue;
    size_t end = i;
    while (end < text.size() && !uri_stop(text[end])) ++end;
    add_uri(text.substr(i, end - i), out, limits);
    i = end;
  }
}

Content extract_content(std::string_view message, const ContentLimits& limits) {
  Content c;
  mime::Part root = mime::parse(message, limits.mime);
  c.header_block = std::string(message.substr(0, root.body_start));
  c.headers = root.headers;
  size_t total = 0;
  if (auto subject = mime::header_value(c.headers, "Subject"))
    append_text(mime::decode_words(*subject), c, total, limits);
  walk(message, root, c, total, limits);
  return c;
}

}  // namespace posta::spam
