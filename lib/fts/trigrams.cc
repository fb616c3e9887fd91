#include "fts/trigrams.h"

#include <algorithm>

namespace posta::fts {
namespace {

bool word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::vector<Trigram> trigrams(std::string_view folded) {
  std::vector<Trigram> out;
  size_t run = 0;  // word bytes ending at the current one
  Trigram window = 0;
  for (unsigned char c : folded) {
    if (!word_byte(c)) {
      run = 0;
      continue;
    }
    window = ((window << 8) | c) & 0xffffff;
    if (++run >= 3) out.push_back(window);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string term(char prefix, Trigram t) {
  return {prefix, static_cast<char>(t >> 16), static_cast<char>(t >> 8), static_cast<char>(t)};
}

}  // namespace posta::fts
