// Sieve lexical tokens (RFC 5228 section 8.1): identifiers, tags, numbers with K/M/G,
// quoted and multi-line strings, comments, punctuation. Errors carry line and column.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::sieve {

struct Position {
  unsigned line = 1, column = 1;
};

struct Token {
  enum Kind { kIdentifier, kTag, kNumber, kString, kPunct, kEnd };
  Kind kind = kEnd;
  std::string text;  // identifier / tag (without ':') / string value / punctuation char
  uint64_t number = 0;
  Position pos;
};

// "line L, column C: message"
std::string located(Position p, std::string_view message);

// Splits text into tokens (ending with kEnd); the first lexical error otherwise.
// max_string_size bounds each string.
[[nodiscard]] Result<std::vector<Token>> tokenize(std::string_view text, size_t max_string_size);

}  // namespace posta::sieve
