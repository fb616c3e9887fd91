#include "mime/address.h"

namespace posta::mime {
namespace {

struct Token {
  enum Kind { kWord, kQuoted, kSpecial } kind;
  std::string text;
};

// A comment's text (without its parentheses) and the index of the token after it.
struct Comment {
  size_t before;
  std::string text;
};

std::vector<Token> tokenize(std::string_view s, std::vector<Comment>& comments) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size() && out.size() < 20000) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') { ++i; continue; }
    if (c == '(') {
      int depth = 0;
      std::string text;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
          if (++i < s.size()) text += s[i];
          continue;
        }
        if (s[i] == '(' && depth++ == 0) continue;
        if (s[i] == ')' && --depth == 0) { ++i; break; }
        if (s[i] != '\r' && s[i] != '\n') text += s[i];
      }
      if (comments.size() < 1000) comments.push_back({out.size(), std::move(text)});
      continue;
    }
    if (c == ')') { ++i; continue; }  // unbalanced: would end the word below before its start
    if (c == '"') {
      std::string t;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        if (s[i] != '\r' && s[i] != '\n') t += s[i];
        ++i;
      }
      ++i;
      out.push_back({Token::kQuoted, t});
      continue;
    }
    if (c == '<' || c == '>' || c == '@' || c == ',' || c == ';' || c == ':' || c == '.' ||
        c == '[' || c == ']') {
      if (c == '[') {  // domain literal as one word
        size_t e = s.find(']', i);
        if (e == std::string_view::npos) e = s.size() - 1;
        out.push_back({Token::kWord, std::string(s.substr(i, e - i + 1))});
        i = e + 1;
        continue;
      }
      out.push_back({Token::kSpecial, std::string(1, c)});
      ++i;
      continue;
    }
    size_t st = i;
    while (i < s.size() && !std::string_view(" \t\r\n()\"<>@,;:.[]").contains(s[i])) ++i;
    out.push_back({Token::kWord, std::string(s.substr(st, i - st))});
  }
  return out;
}

bool is(const Token& t, char c) { return t.kind == Token::kSpecial && t.text[0] == c; }

// local@domain from tokens [b, e)
void addr_spec(const std::vector<Token>& t, size_t b, size_t e, Address& a) {
  size_t at = e;
  for (size_t k = b; k < e; ++k)
    if (is(t[k], '@')) at = k;
  // A source route "@r1,@r2:" before the local part (RFC 5322 obs-route).
  for (size_t k = b; k < at; ++k)
    if (is(t[k], ':')) {
      for (size_t r = b; r < k; ++r) a.route += t[r].text;
      b = k + 1;
    }
  for (size_t k = b; k < at; ++k) {
    if (t[k].kind == Token::kSpecial && !is(t[k], '.')) continue;
    a.mailbox += t[k].text;
  }
  for (size_t k = at + 1; k < e; ++k) a.host += t[k].text;
}

}  // namespace

std::vector<Address> parse_addresses(std::string_view value, size_t max) {
  std::vector<Address> out;
  std::vector<Comment> comments;
  auto t = tokenize(value, comments);
  size_t i = 0;
  bool in_group = false;
  while (i < t.size() && out.size() < max) {
    if (is(t[i], ',')) { ++i; continue; }
    if (is(t[i], ';')) {
      if (in_group) { Address g; g.group_end = true; out.push_back(g); in_group = false; }
      ++i;
      continue;
    }
    // find the end of this mailbox: ',' or ';' outside <>, or ':' (group)
    size_t j = i;
    bool angle = false;
    size_t lt = std::string::npos, colon = std::string::npos;
    for (; j < t.size(); ++j) {
      if (is(t[j], '<')) { angle = true; if (lt == std::string::npos) lt = j; }
      else if (is(t[j], '>')) angle = false;
      else if (!angle && (is(t[j], ',') || is(t[j], ';'))) break;
      else if (!angle && is(t[j], ':') && colon == std::string::npos && lt == std::string::npos && !in_group) { colon = j; break; }
    }
    if (colon != std::string::npos) {
      Address g;
      g.group_start = true;
      for (size_t k = i; k < colon; ++k) g.mailbox += (g.mailbox.empty() ? "" : " ") + t[k].text;
      out.push_back(g);
      in_group = true;
      i = colon + 1;
      continue;
    }
    Address a;
    if (lt != std::string::npos) {
      for (size_t k = i; k < lt; ++k)
        if (!is(t[k], '.') || true) a.name += (a.name.empty() || is(t[k], '.') ? "" : " ") + t[k].text;
      a.has_name = lt > i;
      size_t gt = lt + 1;
      while (gt < j && !is(t[gt], '>')) ++gt;
      addr_spec(t, lt + 1, gt, a);
    } else {
      addr_spec(t, i, j, a);
      for (auto& c : comments)
        if (c.before > i && c.before <= j && !c.text.empty()) {
          a.comment = c.text;
          break;
        }
    }
    if (!a.mailbox.empty() || !a.host.empty() || a.has_name) out.push_back(a);
    i = j;
  }
  if (in_group) { Address g; g.group_end = true; out.push_back(g); }
  return out;
}

}  // namespace posta::mime
