// The terms of the full-text index (INTERNALS.md "Full-text index"): the byte trigrams inside
// the words of mime::fold()ed text. A word is a run of letters, digits and bytes >= 0x80;
// every other byte separates words. If needle is a substring of text then every trigram of
// needle's words is a trigram of text's words (the split is byte by byte, and a trigram
// inside a word of needle is inside a word of text), which is what makes the index's answer
// a superset of the scan's.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace posta::fts {

// A trigram packed as b0 << 16 | b1 << 8 | b2.
using Trigram = uint32_t;

// The distinct trigrams of folded text, ascending.
std::vector<Trigram> trigrams(std::string_view folded);
// The term of a trigram in a field: prefix ('B' body, 'H' header fields) and the 3 bytes.
std::string term(char prefix, Trigram t);

}  // namespace posta::fts
