// RFC 5322 address lists for ENVELOPE and SEARCH: display names, groups, comments, routes.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace posta::mime {

struct Address {
  std::string name;      // display name as written (quotes removed), may hold encoded words
  std::string comment;   // of an address without a display name: "a@b (Ann)" -> "Ann"
  std::string route;     // obsolete source route "@r1,@r2" before the local part
  std::string mailbox;   // local part; for a group start: the group name
  std::string host;      // domain; empty for group markers
  bool group_start = false, group_end = false;
  bool has_name = false;
};

std::vector<Address> parse_addresses(std::string_view value, size_t max = 1000);

}  // namespace posta::mime
