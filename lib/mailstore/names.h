// Maildir file names "<base>[:2,<letters>]" with "<base>" = "<unique>[,S=<size>][,W=<vsize>]".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace posta::mailstore {

struct NameInfo {
  std::string base;   // before ':'
  std::string flags;  // after ":2,", sorted and deduplicated
  uint64_t size = 0, vsize = 0;
  bool has_size = false;
};
NameInfo parse_file_name(std::string_view name);
// The same without copying: lengths and values only.
struct NameFields {
  size_t base_len = 0;
  uint64_t flags_set = 0;  // flag_bits() of the letters after ":2,"
  uint64_t size = 0, vsize = 0;
  bool has_size = false;
};
NameFields parse_name_fields(std::string_view name);

// Letters sorted in ASCII order and deduplicated; anything not a letter dropped.
std::string normalize_letters(std::string_view letters);
// "<base>:2,<letters>"
std::string cur_name(std::string_view base, std::string_view letters);

std::vector<std::string_view> split_words(std::string_view s);
// A whole decimal number (no sign, no spaces): the index files' fields.
bool parse_u64(std::string_view s, uint64_t& v);

}  // namespace posta::mailstore
