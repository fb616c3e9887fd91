// The body side of the tokenizer: MIME parts, bounded decoding, words and URLs.
#include "spam/tokenize.h"

#include <algorithm>

#include "base/strings.h"
#include "mime/decode.h"
#include "spam/tokenize_html.h"
#include "spam/tokenize_impl.h"

namespace posta::spam {
namespace detail {

void Tokens::add(std::string_view prefix, std::string_view value) {
  if (full()) return;
  std::string tok;
  tok.reserve(prefix.size() + std::min(value.size(), kMaxValue));
  tok.append(prefix);
  for (char c : value.substr(0, kMaxValue)) {
    auto u = static_cast<unsigned char>(c);
    tok += u < 0x20 || u == 0x7f ? '?' : c;
  }
  set_.insert(std::move(tok));
}

std::vector<std::string> Tokens::sorted() && {
  std::vector<std::string> out(std::make_move_iterator(set_.begin()), std::make_move_iterator(set_.end()));
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view bucket(size_t n) {
  if (n <= 3) return std::array<std::string_view, 4>{"0", "1", "2", "3"}[n];
  if (n <= 5) return "4-5";
  if (n <= 10) return "6-10";
  if (n <= 20) return "11-20";
  if (n <= 50) return "21-50";
  return "51+";
}

namespace {

bool is_word_byte(char c) { return static_cast<unsigned char>(c) > 0x20 && c != 0x7f; }

constexpr std::string_view kStrip = "\"'()[]{}<>.,;:!?*-_=#|~`^/\\+";

size_t utf8_length(std::string_view w) {
  return static_cast<size_t>(std::count_if(w.begin(), w.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Adds the token of one word and returns the word, or "" for a skip token or no token.
// Case is kept: "FREE" and "free" are different tokens (cross-validation on the bench's
// training split: fewer errors than lower-casing, spam_tune.py).
std::string add_word(Tokens& t, std::string_view raw, std::string_view prefix) {
  std::string w(trim_view(raw, kStrip));
  size_t n = utf8_length(w);
  if (n < 3) return {};
  if (n <= 12) {
    t.add(prefix, w);
    return w;
  }
  std::string skip = "skip:";
  skip += w[0];
  skip += ' ';
  skip += std::to_string(n / 10 * 10);
  t.add(prefix, skip);
  return {};
}

// A mail address in running text: its domain (registered part) as a token.
bool add_email(Tokens& t, std::string_view raw) {
  size_t at = raw.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view host = trim_view(raw.substr(at + 1), kStrip);
  if (host.find('.') == std::string_view::npos || host.find('@') != std::string_view::npos) return false;
  t.add("email:", lower(registered_domain(host)));
  return true;
}

}  // namespace

size_t add_text(Tokens& t, std::string_view text, std::string_view prefix) {
  size_t words = 0, i = 0;
  // body text (no prefix) also gives word pairs: "bi:<word> <next word>"
  bool pairs = prefix.empty();
  std::string prev;
  while (i < text.size() && !t.full()) {
    while (i < text.size() && !is_word_byte(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && is_word_byte(text[i])) ++i;
    if (start == i) break;
    std::string_view raw = text.substr(start, i - start);
    ++words;
    size_t scheme = raw.find("://");
    if (scheme != std::string_view::npos) {
      size_t from = scheme;
      while (from > 0 && std::isalpha(static_cast<unsigned char>(raw[from - 1]))) --from;
      add_url(t, raw.substr(from));
      continue;
    }
    std::string_view bare = trim_view(raw, kStrip);
    if (bare.size() > 4 && iequals(bare.substr(0, 4), "www.")) {
      add_url(t, bare);
      continue;
    }
    if (add_email(t, raw)) continue;
    std::string w = add_word(t, raw, prefix);
    if (pairs && !w.empty() && !prev.empty()) t.add("bi:", prev + " " + w);
    prev = std::move(w);
  }
  return words;
}

void add_url(Tokens& t, std::string_view u) {
  std::string_view rest = u;
  size_t sep = u.find("://");
  if (sep != std::string_view::npos) {
    t.add("proto:", lower(std::string(u.substr(0, std::min<size_t>(sep, 10)))));
    rest = u.substr(sep + 3);
  } else if (u.substr(0, 2) == "//") {
    rest = u.substr(2);
  } else if (!(u.size() > 4 && iequals(u.substr(0, 4), "www."))) {
    return;  // relative, mailto:, cid: ...
  }
  std::string_view authority = rest.substr(0, std::min(rest.size(), rest.find_first_of("/?#\\\"'<>")));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    t.add("url:", "userinfo");
    authority = authority.substr(at + 1);
  }
  if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    t.add("url:", "port");
    authority = authority.substr(0, colon);
  }
  std::string host = lower(trim(authority, "."));
  if (host.empty()) return;
  if (host.find('%') != std::string::npos) t.add("url:", "encoded-host");
  if (host.find_first_not_of("0123456789.") == std::string::npos) {
    t.add("url:", "ip");
    return;
  }
  t.add("url:", host);
  t.add("url:dom:", registered_domain(host));
}

void add_filename(Tokens& t, std::string_view name) {
  std::string n = lower(trim(name));
  if (n.empty()) return;
  size_t dot = n.rfind('.');
  if (dot != std::string::npos && n.size() - dot - 1 <= 10) {
    t.add("filename:ext:", n.substr(dot + 1));
    size_t prev = n.rfind('.', dot == 0 ? 0 : dot - 1);
    if (prev != std::string::npos && prev < dot && dot - prev - 1 <= 4 && dot - prev > 1)
      t.add("filename:", "double-ext");
  }
  std::replace_if(n.begin(), n.end(), [](char c) { return c == '.' || c == '-' || c == '_'; }, ' ');
  add_text(t, n, "filename:");
}

}  // namespace detail

std::string registered_domain(std::string_view host) {
  std::vector<std::string_view> labels;
  size_t start = 0;
  for (size_t i = 0; i <= host.size(); ++i)
    if (i == host.size() || host[i] == '.') {
      if (i > start) labels.push_back(host.substr(start, i - start));
      start = i + 1;
    }
  size_t n = labels.size();
  if (n == 0) return {};
  size_t keep = 2;
  if (n >= 3 && labels[n - 1].size() == 2 && labels[n - 2].size() <= 3) keep = 3;
  keep = std::min(keep, n);
  std::string out;
  for (size_t i = n - keep; i < n; ++i) {
    if (!out.empty()) out += '.';
    out.append(labels[i]);
  }
  return out;
}

namespace {

using detail::Tokens;

struct Walk {
  Tokens& t;
  const TokenizeLimits& lim;
  std::string_view msg;
  size_t text_total = 0, words = 0, images = 0, parts = 0;
};

// The decoded text of a part, at most max bytes: the transfer encoding is undone on a
// prefix of the body big enough for max bytes, the charset converted after the cut.
std::string bounded_text(std::string_view body, const mime::Part& p, size_t max) {
  size_t raw_max = iequals(p.encoding, "quoted-printable") ? max * 3 : iequals(p.encoding, "base64") ? max / 3 * 4 * 110 / 100 + 4096 : max;
  std::string raw = mime::decode_body(body.substr(0, raw_max), p.encoding, "");
  if (raw.size() > max) raw.resize(max);
  return mime::to_utf8(p.param("charset"), raw);
}

void add_html(Walk& w, std::string_view html, size_t max) {
  HtmlText h = html_to_text(html, max);
  w.words += detail::add_text(w.t, h.text, "");
  for (auto& u : h.urls) detail::add_url(w.t, u);
  w.images += h.images;
  w.t.add("html:links:", detail::bucket(h.links));
  if (h.images) w.t.add("html:images:", detail::bucket(h.images));
  if (h.display_none) w.t.add("html:", "display-none");
  if (h.tiny_font) w.t.add("html:", "tiny-font");
  if (h.same_color) w.t.add("html:", "same-color");
  if (h.white_text) w.t.add("html:", "white-text");
  if (h.hidden_chars) w.t.add("html:hidden-chars:", detail::bucket(h.hidden_chars / 16));
  if (h.script) w.t.add("html:", "script");
  if (h.form) w.t.add("html:", "form");
  if (h.iframe) w.t.add("html:", "iframe");
  if (h.tracking_image) w.t.add("html:", "tracking-image");
}

void walk(Walk& w, const mime::Part& p) {
  if (w.t.full()) return;
  ++w.parts;
  w.t.add("content-type:", p.type + "/" + p.subtype);
  if (std::string cs = p.param("charset"); !cs.empty()) w.t.add("charset:", lower(cs));
  if (!iequals(p.encoding, "7bit") && !iequals(p.encoding, "8bit")) w.t.add("encoding:", lower(p.encoding));
  std::string name;
  for (auto& [k, v] : p.disposition_params)
    if (iequals(k, "filename")) name = v;
  if (name.empty()) name = p.param("name");
  if (!name.empty()) detail::add_filename(w.t, mime::decode_words(name));
  if (p.disposition == "attachment") w.t.add("mime:", "attachment");
  if (p.multipart() || p.rfc822()) {
    if (p.rfc822()) w.t.add("mime:", "rfc822");
    for (auto& c : p.children) walk(w, c);
    return;
  }
  if (p.type == "image") ++w.images;
  if (p.type != "text" || w.text_total >= w.lim.max_total_text) return;
  if (p.end > w.msg.size() || p.body_start > p.end) return;
  size_t max = std::min(w.lim.max_part_text, w.lim.max_total_text - w.text_total);
  std::string text = bounded_text(w.msg.substr(p.body_start, p.body_size()), p, max);
  w.text_total += std::min(text.size(), max);
  if (p.subtype == "html") add_html(w, text, max);
  else w.words += detail::add_text(w.t, text, "");
}

}  // namespace

std::vector<std::string> tokenize(std::string_view message, const TokenizeLimits& lim) {
  std::string msg = mime::to_crlf(message.substr(0, std::min(message.size(), lim.max_message)));
  mime::Part root = mime::parse(msg, lim.mime);
  Tokens t(lim.max_tokens);
  detail::add_header_tokens(t, root.headers, lim.max_header_fields);
  Walk w{t, lim, msg};
  walk(w, root);
  if (w.images && w.words < 10) t.add("mime:", "image-only");
  t.add("mime:parts:", detail::bucket(w.parts));
  if (message.size() > lim.max_message) t.add("mime:", "truncated");
  return std::move(t).sorted();
}

}  // namespace posta::spam
