// The Sieve syntax tree (RFC 5228 section 8.2) before checking: commands and tests with
// their generic arguments. checker.h turns it into a Program.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sieve/lexer.h"

namespace posta::sieve {

struct Argument {
  enum Kind { kTag, kNumber, kStrings };
  Kind kind = kStrings;
  std::string tag;                   // kTag, without ':'
  uint64_t number = 0;               // kNumber
  std::vector<std::string> strings;  // kStrings
  bool bracketed = false;            // written as a list ["a", "b"]
  Position pos;
};

struct TestNode {
  std::string name;  // lower-cased
  Position pos;
  std::vector<Argument> args;
  std::vector<TestNode> tests;  // allof/anyof test-list, not's test
};

struct CommandNode {
  std::string name;  // lower-cased
  Position pos;
  std::vector<Argument> args;
  std::vector<TestNode> tests;  // the test of if/elsif
  bool has_block = false;
  std::vector<CommandNode> block;
};

struct ParseLimits {
  unsigned max_nesting = 32;
  size_t max_string_list = 1024;
  size_t max_nodes = 20000;
};

// The commands of a token stream (tokenize()'s output).
[[nodiscard]] Result<std::vector<CommandNode>> parse(const std::vector<Token>& tokens, const ParseLimits& limits);

}  // namespace posta::sieve
