#include "imap/parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace posta::imap {

bool is_atom_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return !std::strchr("(){%*\"\\]", c);
}


std::string Section::text() const {
  std::string out;
  for (size_t i = 0; i < part.size(); ++i) out += (i ? "." : "") + std::to_string(part[i]);
  auto dot = [&] { if (!out.empty()) out += '.'; };
  switch (spec) {
    case Spec::kNone: break;
    case Spec::kHeader: dot(); out += "HEADER"; break;
    case Spec::kText: dot(); out += "TEXT"; break;
    case Spec::kMime: dot(); out += "MIME"; break;
    case Spec::kHeaderFields:
    case Spec::kHeaderFieldsNot: {
      dot();
      out += spec == Spec::kHeaderFields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (";
      for (size_t i = 0; i < fields.size(); ++i) out += (i ? " " : "") + fields[i];
      out += ')';
    }
  }
  return out;
}

bool Parser::sp() {
  if (peek() != ' ') return failed("expected a space");
  ++pos_;
  return true;
}

bool Parser::skip(char c) {
  if (peek() != c) return failed(std::string("expected '") + c + "'");
  ++pos_;
  return true;
}

bool Parser::skip_word(std::string_view w) {
  if (text_.size() - std::min(pos_, text_.size()) < w.size()) return false;
  for (size_t i = 0; i < w.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text_[pos_ + i])) != w[i]) return false;
  char after = pos_ + w.size() < text_.size() ? text_[pos_ + w.size()] : '\0';
  if (after != '\0' && after != ' ' && after != ')' && after != '(') return false;
  pos_ += w.size();
  return true;
}

std::optional<std::string> Parser::tag() {
  size_t start = pos_;
  while (!at_end() && is_atom_char(text_[pos_]) && text_[pos_] != '+' && text_[pos_] != '\0') ++pos_;
  if (pos_ == start) { failed("missing tag"); return std::nullopt; }
  return text_.substr(start, pos_ - start);
}

std::optional<std::string> Parser::atom() {
  size_t start = pos_;
  while (!at_end() && is_atom_char(text_[pos_])) ++pos_;
  if (pos_ == start) { failed("expected an atom"); return std::nullopt; }
  return text_.substr(start, pos_ - start);
}

std::optional<std::string> Parser::quoted() {
  ++pos_;  // opening quote
  std::string out;
  while (!at_end()) {
    char c = text_[pos_++];
    if (c == '"') return out;
    if (c == '\\') {
      if (at_end() || (text_[pos_] != '"' && text_[pos_] != '\\')) break;
      c = text_[pos_++];
    }
    if (c == '\0') break;
    out += c;
  }
  failed("unterminated or malformed quoted string");
  return std::nullopt;
}

std::optional<std::string> Parser::literal() {
  if (next_literal_ >= literals_.size()) { failed("literal missing"); return std::nullopt; }
  ++pos_;
  return literals_[next_literal_++];
}

std::optional<std::string> Parser::string() {
  if (peek() == '"') return quoted();
  if (peek() == '\0' && !at_end()) return literal();
  failed("expected a string");
  return std::nullopt;
}

std::optional<std::string> Parser::astring() {
  if (peek() == '"' || (peek() == '\0' && !at_end())) return string();
  size_t start = pos_;
  while (!at_end() && (is_atom_char(text_[pos_]) || text_[pos_] == ']')) ++pos_;
  if (pos_ == start) { failed("expected an astring"); return std::nullopt; }
  return text_.substr(start, pos_ - start);
}

std::optional<std::string> Parser::nstring() {
  if (skip_word("NIL")) return std::string();
  return string();
}

std::optional<std::string> Parser::list_mailbox() {
  if (peek() == '"' || (peek() == '\0' && !at_end())) return string();
  size_t start = pos_;
  while (!at_end() && (is_atom_char(text_[pos_]) || text_[pos_] == ']' || text_[pos_] == '%' ||
                       text_[pos_] == '*'))
    ++pos_;
  if (pos_ == start) { failed("expected a mailbox pattern"); return std::nullopt; }
  return text_.substr(start, pos_ - start);
}

std::optional<uint64_t> Parser::digits(uint64_t max, const char* what) {
  size_t start = pos_;
  while (!at_end() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, v);
  if (pos_ == start || ec != std::errc()) { failed(std::string("expected ") + what); return std::nullopt; }
  if (v > max) { failed(std::string(what) + " out of range"); return std::nullopt; }
  return v;
}

std::optional<uint64_t> Parser::number() { return digits(0xffffffffu, "a number"); }

std::optional<SequenceSet> Parser::sequence_set() {
  SequenceSet set;
  if (peek() == '$') {  // SEARCHRES: the saved result, a set of its own (RFC 5182 2.1)
    ++pos_;
    set.last_result = true;
    return set;
  }
  size_t ranges = 0;
  struct Bound {
    uint32_t n = 0;
    bool star = false;
  };
  auto one = [&]() -> std::optional<Bound> {
    if (peek() == '*') { ++pos_; return Bound{0, true}; }
    auto n = number();
    if (!n) return std::nullopt;
    if (*n == 0) { failed("invalid sequence number"); return std::nullopt; }
    return Bound{static_cast<uint32_t>(*n), false};
  };
  for (;;) {
    auto a = one();
    if (!a) { failed("invalid sequence set"); return std::nullopt; }
    Bound b = *a;
    if (peek() == ':') {
      ++pos_;
      auto bb = one();
      if (!bb) { failed("invalid sequence set"); return std::nullopt; }
      b = *bb;
    }
    if (a->star && b.star) set.add_star(kStar);
    else if (a->star || b.star) set.add_star(a->star ? b.n : a->n);
    else set.add(a->n, b.n);
    if (++ranges > kMaxSetRanges) { failed("sequence set too long"); return std::nullopt; }
    if (peek() != ',') break;
    ++pos_;
  }
  set.normalise();
  return set;
}

namespace {
int month_of(std::string_view m) {
  static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i)
    if (m.size() == 3 && strncasecmp(m.data(), names[i], 3) == 0) return i;
  return -1;
}

// "d-Mon-yyyy" -> UTC midnight
std::optional<time_t> parse_day(std::string_view s) {
  auto d1 = s.find('-'), d2 = s.find('-', d1 == std::string_view::npos ? 0 : d1 + 1);
  if (d1 == std::string_view::npos || d2 == std::string_view::npos) return std::nullopt;
  int day = 0, year = 0;
  auto r1 = std::from_chars(s.data(), s.data() + d1, day);
  auto r2 = std::from_chars(s.data() + d2 + 1, s.data() + s.size(), year);
  int mon = month_of(s.substr(d1 + 1, d2 - d1 - 1));
  if (r1.ec != std::errc() || r1.ptr != s.data() + d1 || r2.ec != std::errc() ||
      r2.ptr != s.data() + s.size() || mon < 0 || day < 1 || day > 31 || year < 1900 || year > 9999 || d1 > 2)
    return std::nullopt;
  struct tm tm{};
  tm.tm_mday = day;
  tm.tm_mon = mon;
  tm.tm_year = year - 1900;
  return timegm(&tm);
}
}  // namespace

std::optional<time_t> Parser::date() {
  std::string s;
  if (peek() == '"') {
    auto q = quoted();
    if (!q) return std::nullopt;
    s = *q;
  } else {
    size_t start = pos_;
    while (!at_end() && is_atom_char(text_[pos_])) ++pos_;
    s = text_.substr(start, pos_ - start);
  }
  auto t = parse_day(s);
  if (!t) failed("invalid date");
  return t;
}

std::optional<time_t> Parser::date_time() {
  if (peek() != '"') { failed("expected a quoted date-time"); return std::nullopt; }
  auto q = quoted();
  if (!q) return std::nullopt;
  std::string s = *q;
  if (!s.empty() && s[0] == ' ') s.erase(0, 1);
  // "dd-Mon-yyyy hh:mm:ss +zzzz"
  auto sp1 = s.find(' ');
  if (sp1 == std::string::npos || s.size() != sp1 + 15) { failed("invalid date-time"); return std::nullopt; }
  auto day = parse_day(std::string_view(s).substr(0, sp1));
  int hh = 0, mm = 0, ss = 0, zone = 0;
  const char* t = s.c_str() + sp1 + 1;
  if (!day || std::sscanf(t, "%2d:%2d:%2d", &hh, &mm, &ss) != 3 || t[2] != ':' || t[5] != ':' ||
      t[8] != ' ' || (t[9] != '+' && t[9] != '-') || hh > 23 || mm > 59 || ss > 60) {
    failed("invalid date-time");
    return std::nullopt;
  }
  auto zr = std::from_chars(t + 10, t + 14, zone);
  if (zr.ec != std::errc() || zr.ptr != t + 14) { failed("invalid zone"); return std::nullopt; }
  int off = (zone / 100) * 3600 + (zone % 100) * 60;
  if (t[9] == '-') off = -off;
  return *day + hh * 3600 + mm * 60 + ss - off;
}

std::optional<std::vector<std::string>> Parser::flag_list() {
  std::vector<std::string> flags;
  auto flag = [&]() -> bool {
    size_t start = pos_;
    if (peek() == '\\') ++pos_;
    while (!at_end() && is_atom_char(text_[pos_])) ++pos_;
    if (pos_ == start || (pos_ == start + 1 && text_[start] == '\\')) return failed("expected a flag");
    // NIL is an atom, but RFC 3501 flag-keyword excludes it (and clients read it as "none").
    if (pos_ - start == 3 && strncasecmp(text_.data() + start, "NIL", 3) == 0)
      return failed("NIL is not a valid keyword");
    flags.push_back(text_.substr(start, pos_ - start));
    return true;
  };
  if (peek() != '(') {
    if (!flag()) return std::nullopt;
    return flags;
  }
  ++pos_;
  while (peek() != ')') {
    if (!flags.empty() && !sp()) return std::nullopt;
    if (!flag()) return std::nullopt;
    if (flags.size() > 100) { failed("too many flags"); return std::nullopt; }
  }
  ++pos_;
  return flags;
}

}  // namespace posta::imap
