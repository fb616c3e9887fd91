#include "spam/tokenize_html.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "base/hex.h"
#include "base/strings.h"

namespace posta::spam {
namespace {

constexpr size_t kMaxAttrs = 24, kMaxAttrValue = 2048, kMaxTagName = 16;

struct Tag {
  std::string name;  // lower-cased, "" for something that is not a tag
  bool closing = false, self_closing = false;
  std::vector<std::pair<std::string, std::string>> attrs;  // names lower-cased
  std::string_view attr(std::string_view n) const {
    for (auto& [k, v] : attrs)
      if (k == n) return v;
    return {};
  }
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }
char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Reads the tag that starts at html[i] == '<'; i ends after its '>' (or at the end).
Tag read_tag(std::string_view h, size_t& i) {
  Tag t;
  ++i;
  if (i < h.size() && h[i] == '/') { t.closing = true; ++i; }
  while (i < h.size() && (is_alpha(h[i]) || (h[i] >= '0' && h[i] <= '9')))
    if (t.name.size() < kMaxTagName) t.name += to_lower(h[i++]);
    else ++i;
  while (i < h.size() && h[i] != '>') {
    if (is_space(h[i]) || h[i] == '/') {
      if (h[i] == '/') t.self_closing = true;
      ++i;
      continue;
    }
    t.self_closing = false;
    std::string name;
    while (i < h.size() && !is_space(h[i]) && h[i] != '=' && h[i] != '>' && h[i] != '/')
      if (name.size() < 32) name += to_lower(h[i++]);
      else ++i;
    while (i < h.size() && is_space(h[i])) ++i;
    std::string value;
    if (i < h.size() && h[i] == '=') {
      ++i;
      while (i < h.size() && is_space(h[i])) ++i;
      char q = i < h.size() && (h[i] == '"' || h[i] == '\'') ? h[i++] : 0;
      while (i < h.size() && (q ? h[i] != q : !is_space(h[i]) && h[i] != '>')) {
        if (value.size() < kMaxAttrValue) value += h[i];
        ++i;
      }
      if (q && i < h.size()) ++i;
    }
    if (!name.empty() && t.attrs.size() < kMaxAttrs) t.attrs.emplace_back(std::move(name), std::move(value));
    else if (name.empty() && i < h.size() && h[i] != '>') ++i;  // a stray '='
  }
  if (i < h.size()) ++i;
  return t;
}

// The entity at h[i] == '&' appended to out; i ends after it. Unknown ones stay as written.
void decode_entity(std::string_view h, size_t& i, std::string& out) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kNamed{{
      {"nbsp", " "}, {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
      {"shy", ""}, {"zwnj", ""}}};
  size_t j = i + 1;
  if (j < h.size() && h[j] == '#') {
    ++j;
    bool hex = j < h.size() && (h[j] == 'x' || h[j] == 'X');
    if (hex) ++j;
    uint32_t cp = 0;
    size_t digits = 0;
    while (j < h.size() && digits < 8) {
      int d = hex ? hex_digit_value(h[j]) : (h[j] >= '0' && h[j] <= '9' ? h[j] - '0' : -1);
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      ++j, ++digits;
    }
    if (digits) {
      if (j < h.size() && h[j] == ';') ++j;
      // zero-width characters split words for the eye only
      if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = '?';
      if (cp == 0xA0) cp = ' ';
      if (cp != 0x200B && cp != 0x200C && cp != 0x200D && cp != 0xAD && cp != 0xFEFF) append_utf8(out, cp);
      i = j;
      return;
    }
  } else {
    for (auto& [name, text] : kNamed)
      if (h.substr(j, name.size()) == name) {
        j += name.size();
        if (j < h.size() && h[j] == ';') ++j;
        out += text;
        i = j;
        return;
      }
  }
  out += '&';
  ++i;
}

bool among(std::string_view s, std::initializer_list<std::string_view> set) {
  for (auto x : set)
    if (s == x) return true;
  return false;
}

bool is_void(std::string_view n) {
  return among(n, {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed",
                   "param", "source", "track", "wbr"});
}

// Formatting that does not separate words on screen: "V<b></b>iagra" reads as one word.
bool is_inline(std::string_view n) {
  return among(n, {"a", "b", "i", "u", "s", "em", "strong", "span", "font", "small", "big",
                   "sub", "sup", "strike", "tt", "code", "abbr", "mark", "ins", "del", "q"});
}

// The value of property in a CSS declaration list (lower-cased, blanks removed).
std::string css_value(std::string_view css, std::string_view property) {
  size_t at = 0;
  while ((at = css.find(property, at)) != std::string_view::npos) {
    bool starts = at == 0 || css[at - 1] == ';' || css[at - 1] == '{';
    size_t v = at + property.size();
    if (starts && v < css.size() && css[v] == ':') {
      size_t end = css.find(';', v);
      auto val = css.substr(v + 1, end == std::string_view::npos ? end : end - v - 1);
      if (auto bang = val.find("!important"); bang != std::string_view::npos) val = val.substr(0, bang);
      return std::string(val);
    }
    at = v;
  }
  return {};
}

bool is_white(std::string_view c) { return c == "#fff" || c == "#ffffff" || c == "white"; }

// A font-size of at most 2 px/pt (or 0 in any unit): text nobody is meant to read.
bool tiny_size(std::string_view v) {
  if (v.empty()) return false;
  double n = 0;
  size_t i = 0;
  bool digits = false;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') n = n * 10 + (v[i++] - '0'), digits = true;
  if (i < v.size() && v[i] == '.') {
    double scale = 0.1;
    for (++i; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i, scale /= 10) n += (v[i] - '0') * scale, digits = true;
  }
  if (!digits) return false;
  return n == 0 || (n <= 2 && (v.substr(i) == "px" || v.substr(i) == "pt"));
}

struct Reducer {
  HtmlText r;
  size_t max_text;
  std::string hidden_tag;  // the element whose content is hidden, "" when none
  int hidden_depth = 0;

  void text_byte(char c) {
    if (!hidden_tag.empty()) { ++r.hidden_chars; return; }
    if (r.text.size() < max_text) r.text += c;
  }
  void separator() {
    if (hidden_tag.empty() && !r.text.empty() && r.text.back() != ' ' && r.text.size() < max_text) r.text += ' ';
  }
  void url(std::string_view u) {
    if (!u.empty() && r.urls.size() < HtmlText::kMaxUrls) r.urls.emplace_back(u);
  }

  // Whether the element this opening tag starts hides its content.
  bool hides(const Tag& t) {
    std::string css;
    for (char c : t.attr("style"))
      if (!is_space(c)) css += to_lower(c);
    bool hide = false;
    if (css_value(css, "display") == "none" || css_value(css, "visibility") == "hidden") r.display_none = hide = true;
    if (tiny_size(css_value(css, "font-size"))) r.tiny_font = hide = true;
    std::string fg = css_value(css, "color"), bg = css_value(css, "background-color");
    if (bg.empty()) bg = css_value(css, "background");
    if (!fg.empty() && fg == bg) r.same_color = hide = true;
    if ((is_white(fg) && bg.empty()) || (t.name == "font" && is_white(lower(std::string(t.attr("color"))))))
      r.white_text = true;
    if (t.name == "font" && trim_view(t.attr("size")) == "0") r.tiny_font = hide = true;
    if (t.attrs.end() != std::find_if(t.attrs.begin(), t.attrs.end(), [](auto& a) { return a.first == "hidden"; }))
      r.display_none = hide = true;
    return hide;
  }

  void tag(const Tag& t) {
    if (!hidden_tag.empty() && t.name == hidden_tag) {
      if (t.closing) {
        if (--hidden_depth == 0) hidden_tag.clear();
      } else if (!t.self_closing) {
        ++hidden_depth;
      }
    }
    if (!t.closing) {
      if (t.name == "a" || t.name == "area") {
        ++r.links;
        url(t.attr("href"));
      } else if (t.name == "img") {
        ++r.images;
        url(t.attr("src"));
        if (trim_view(t.attr("width")) == "1" || trim_view(t.attr("height")) == "1") r.tracking_image = true;
      } else if (t.name == "form") {
        r.form = true;
      } else if (t.name == "iframe" || t.name == "frame" || t.name == "object" || t.name == "embed") {
        r.iframe = true;
      }
      if (hidden_tag.empty() && !is_void(t.name) && !t.self_closing && hides(t)) {
        hidden_tag = t.name;
        hidden_depth = 1;
      }
    }
    if (!is_inline(t.name)) separator();
  }

  // Skips the content of a script or style element: i ends after its end tag.
  void skip_raw(std::string_view h, size_t& i, std::string_view name) {
    while (i < h.size()) {
      size_t lt = h.find("</", i);
      if (lt == std::string_view::npos) { i = h.size(); return; }
      i = lt + 2;
      if (iequals(h.substr(i, name.size()), name)) {
        while (i < h.size() && h[i] != '>') ++i;
        if (i < h.size()) ++i;
        return;
      }
    }
  }
};

}  // namespace

HtmlText html_to_text(std::string_view h, size_t max_text) {
  Reducer red;
  red.max_text = max_text;
  size_t i = 0;
  while (i < h.size()) {
    char c = h[i];
    if (c == '<') {
      if (h.substr(i, 4) == "<!--") {
        size_t end = h.find("-->", i + 4);
        i = end == std::string_view::npos ? h.size() : end + 3;
        continue;
      }
      if (i + 1 < h.size() && (h[i + 1] == '!' || h[i + 1] == '?')) {
        size_t end = h.find('>', i);
        i = end == std::string_view::npos ? h.size() : end + 1;
        continue;
      }
      if (i + 1 < h.size() && (is_alpha(h[i + 1]) || h[i + 1] == '/')) {
        Tag t = read_tag(h, i);
        red.tag(t);
        if (!t.closing && (t.name == "script" || t.name == "style")) {
          if (t.name == "script") red.r.script = true;
          red.skip_raw(h, i, t.name);
        }
        continue;
      }
    }
    if (c == '&') {
      std::string ent;
      decode_entity(h, i, ent);
      for (char e : ent) red.text_byte(e);
      continue;
    }
    if (is_space(c)) red.separator();
    else red.text_byte(c);
    ++i;
  }
  return std::move(red.r);
}

}  // namespace posta::spam
