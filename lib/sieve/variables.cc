#include "sieve/variables.h"

#include "base/strings.h"
#include "sieve/program.h"

namespace posta::sieve {

namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// The name inside "${...}" when well-formed: digits, or identifiers joined by '.'.
bool valid_reference(std::string_view n) {
  if (n.empty()) return false;
  if (digit(n[0])) {
    for (char c : n) {
      if (!digit(c)) return false;
    }
    return true;
  }
  bool start = true;
  for (char c : n) {
    if (start) {
      if (!ident_start(c)) return false;
      start = false;
    } else if (c == '.') {
      start = true;
    } else if (!ident_char(c)) {
      return false;
    }
  }
  return !start;
}

}  // namespace

std::string expand_variables(std::string_view s, const VariableLookup& lookup, size_t max) {
  std::string out;
  size_t i = 0;
  while (i < s.size() && out.size() < max) {
    size_t ref = s.find("${", i);
    if (ref == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, ref - i));
    size_t close = s.find('}', ref + 2);
    std::string_view name = close == std::string_view::npos ? std::string_view() : s.substr(ref + 2, close - ref - 2);
    if (!valid_reference(name)) {
      out.append("${");
      i = ref + 2;
      continue;
    }
    std::string key = lower(std::string(name));
    if (digit(key[0])) {
      size_t nz = key.find_first_not_of('0');
      key = nz == std::string::npos ? "0" : key.substr(nz);
    }
    if (auto v = lookup(key)) out.append(*v);
    i = close + 1;
  }
  if (out.size() > max) out.resize(max);
  return out;
}

std::string apply_modifiers(std::string v, unsigned m) {
  if (m & kModLower) v = lower(std::move(v));
  if (m & kModUpper) v = upper(std::move(v));
  if (!v.empty() && (m & kModLowerFirst)) v[0] = lower(v.substr(0, 1))[0];
  if (!v.empty() && (m & kModUpperFirst)) v[0] = upper(v.substr(0, 1))[0];
  if (m & (kModQuoteWildcard | kModQuoteRegex)) {
    std::string_view special = (m & kModQuoteRegex) ? "\\*?.+[](){}|^$" : "\\*?";
    std::string q;
    for (char c : v) {
      if (special.find(c) != std::string_view::npos) q.push_back('\\');
      q.push_back(c);
    }
    v = std::move(q);
  }
  if (m & kModLength) {
    size_t chars = 0;
    for (char c : v) {
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    }
    v = std::to_string(chars);
  }
  return v;
}

}  // namespace posta::sieve
