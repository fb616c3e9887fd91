#include "mailstore/names.h"

#include <algorithm>
#include <charconv>

#include "mailstore/mailbox_index.h"

namespace posta::mailstore {

std::string normalize_letters(std::string_view letters) {
  std::string out;
  for (char c : letters)
    if (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) && out.find(c) == std::string::npos)
      out += c;
  std::sort(out.begin(), out.end());
  return out;
}

std::string cur_name(std::string_view base, std::string_view letters) {
  std::string out(base);
  out += ":2,";
  out += letters;
  return out;
}

NameFields parse_name_fields(std::string_view name) {
  NameFields nf;
  size_t colon = name.find(':');
  nf.base_len = colon == std::string_view::npos ? name.size() : colon;
  if (colon != std::string_view::npos && name.substr(colon).starts_with(":2,"))
    nf.flags_set = flag_bits(name.substr(colon + 3));
  std::string_view b = name.substr(0, nf.base_len);
  size_t pos = b.find(',');
  while (pos != std::string_view::npos) {
    size_t next = b.find(',', pos + 1);
    std::string_view field = b.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    uint64_t v = 0;
    if (field.size() > 2 && field[1] == '=') {
      auto [p, ec] = std::from_chars(field.data() + 2, field.data() + field.size(), v);
      if (ec == std::errc() && p == field.data() + field.size()) {
        if (field[0] == 'S') nf.size = v, nf.has_size = true;
        if (field[0] == 'W') nf.vsize = v;
      }
    }
    pos = next;
  }
  return nf;
}

NameInfo parse_file_name(std::string_view name) {
  NameFields nf = parse_name_fields(name);
  NameInfo ni;
  ni.base = std::string(name.substr(0, nf.base_len));
  ni.flags = flag_letters(nf.flags_set);
  ni.size = nf.size, ni.vsize = nf.vsize, ni.has_size = nf.has_size;
  return ni;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

uint64_t flag_bits(std::string_view letters) {
  uint64_t bits = 0;
  for (char c : letters) bits |= flag_bit(c);
  return bits;
}

std::string flag_letters(uint64_t bits) {
  std::string out;
  for (int i = 0; bits; ++i, bits >>= 1)
    if (bits & 1) out += static_cast<char>(i < 26 ? 'A' + i : 'a' + (i - 26));
  return out;
}

std::string_view system_flag_name(char letter) {
  switch (letter) {
    case 'S': return "\\Seen";
    case 'R': return "\\Answered";
    case 'F': return "\\Flagged";
    case 'T': return "\\Deleted";
    case 'D': return "\\Draft";
    default: return "";
  }
}

char system_flag_letter(std::string_view f) {
  auto eq = [&](std::string_view n) {
    return f.size() == n.size() &&
           std::equal(f.begin(), f.end(), n.begin(), [](char a, char b) { return (a | 0x20) == (b | 0x20); });
  };
  if (eq("\\Seen")) return 'S';
  if (eq("\\Answered")) return 'R';
  if (eq("\\Flagged")) return 'F';
  if (eq("\\Deleted")) return 'T';
  if (eq("\\Draft")) return 'D';
  return 0;
}

bool parse_u64(std::string_view s, uint64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace posta::mailstore
