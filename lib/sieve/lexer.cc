#include "sieve/lexer.h"

namespace posta::sieve {

std::string located(Position p, std::string_view message) {
  return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) + ": " +
         std::string(message);
}

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(std::string_view text, size_t max_string) : s_(text), max_string_(max_string) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      if (auto s = skip_space(); !s) return std::unexpected(s.error());
      Token t;
      t.pos = pos_;
      if (i_ >= s_.size()) {
        t.kind = Token::kEnd;
        out.push_back(std::move(t));
        return out;
      }
      char c = s_[i_];
      Status st;
      if (is_alpha(c)) {
        t.kind = Token::kIdentifier;
        t.text = word();
        if (t.text == "text" && i_ < s_.size() && s_[i_] == ':') {
          advance(1);
          t.kind = Token::kString;
          st = multiline(t);
        }
      } else if (c == ':') {
        advance(1);
        if (i_ >= s_.size() || !is_alpha(s_[i_])) return err(t.pos, "a tag needs a name after ':'");
        t.kind = Token::kTag;
        t.text = word();
      } else if (is_digit(c)) {
        t.kind = Token::kNumber;
        st = number(t);
      } else if (c == '"') {
        t.kind = Token::kString;
        st = quoted(t);
      } else if (std::string_view("[](),;{}").find(c) != std::string_view::npos) {
        t.kind = Token::kPunct;
        t.text = std::string(1, c);
        advance(1);
      } else {
        return err(t.pos, "unexpected character " + describe(c));
      }
      if (!st) return std::unexpected(st.error());
      out.push_back(std::move(t));
    }
  }

 private:
  std::string_view s_;
  size_t max_string_;
  size_t i_ = 0;
  Position pos_;

  static std::string describe(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
    static const char* hex = "0123456789abcdef";
    return std::string("0x") + hex[u >> 4] + hex[u & 15];
  }

  std::unexpected<Error> err(Position p, std::string_view m) const { return fail(located(p, m)); }

  void advance(size_t n) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++pos_.line;
        pos_.column = 1;
      } else {
        ++pos_.column;
      }
    }
  }

  std::string word() {
    size_t b = i_;
    while (i_ < s_.size() && (is_alpha(s_[i_]) || is_digit(s_[i_]))) advance(1);
    return std::string(s_.substr(b, i_ - b));
  }

  Status skip_space() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance(1);
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') advance(1);
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        Position start = pos_;
        size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return err(start, "unterminated comment");
        advance(end + 2 - i_);
      } else {
        break;
      }
    }
    return {};
  }

  Status number(Token& t) {
    uint64_t v = 0;
    while (i_ < s_.size() && is_digit(s_[i_])) {
      uint64_t d = static_cast<uint64_t>(s_[i_] - '0');
      if (v > (UINT64_MAX - d) / 10) return err(t.pos, "number too large");
      v = v * 10 + d;
      advance(1);
    }
    if (i_ < s_.size()) {
      unsigned shift = 0;
      switch (s_[i_]) {
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        default: break;
      }
      if (shift) {
        if (v > (UINT64_MAX >> shift)) return err(t.pos, "number too large");
        v <<= shift;
        advance(1);
      }
    }
    if (i_ < s_.size() && (is_alpha(s_[i_]) || is_digit(s_[i_])))
      return err(t.pos, "malformed number");
    t.number = v;
    return {};
  }

  Status quoted(Token& t) {
    advance(1);
    std::string v;
    for (;;) {
      if (i_ >= s_.size()) return err(t.pos, "unterminated string");
      char c = s_[i_];
      if (c == '"') {
        advance(1);
        break;
      }
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return err(t.pos, "unterminated string");
        c = s_[i_ + 1];  // \" -> ", \\ -> \, any other \x -> x (RFC 5228 2.4.2)
        advance(1);
      }
      v.push_back(c);
      advance(1);
      if (v.size() > max_string_) return err(t.pos, "string too long");
    }
    t.text = std::move(v);
    return {};
  }

  // "text:" [spaces] [# comment] CRLF, lines, "." CRLF; ".." at a line start stands for ".".
  Status multiline(Token& t) {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) advance(1);
    if (i_ < s_.size() && s_[i_] == '#') {
      while (i_ < s_.size() && s_[i_] != '\n') advance(1);
    }
    if (i_ < s_.size() && s_[i_] == '\r') advance(1);
    if (i_ >= s_.size() || s_[i_] != '\n') return err(t.pos, "text: must be followed by a line end");
    advance(1);
    std::string v;
    for (;;) {
      if (i_ >= s_.size()) return err(t.pos, "unterminated multi-line string (no \".\" line)");
      size_t nl = s_.find('\n', i_);
      size_t end = nl == std::string_view::npos ? s_.size() : nl;
      std::string_view line = s_.substr(i_, end - i_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line == ".") {
        advance(end - i_ + (nl == std::string_view::npos ? 0 : 1));
        break;
      }
      if (line.starts_with("..")) line.remove_prefix(1);
      v.append(line);
      v.append("\r\n");
      if (v.size() > max_string_) return err(t.pos, "string too long");
      advance(end - i_ + (nl == std::string_view::npos ? 0 : 1));
    }
    t.text = std::move(v);
    return {};
  }
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text, size_t max_string_size) {
  return Lexer(text, max_string_size).run();
}

}  // namespace posta::sieve
