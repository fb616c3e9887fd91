// posta-tcpd access rules: by client address, longest match wins.
//
// Text format, one rule a line ('#' comments and blank lines ignored):
//   ADDRESS:allow[,NAME=VALUE...]      ADDRESS:deny
// ADDRESS is a CIDR (10.0.0.0/8, 2001:db8::/32), a single address, an octet prefix
// (192.168.), or empty (":allow" / ":deny", the default for every address).
// VALUE is bare (up to the next comma) or quoted with "..." or '...' (no escapes).
// Example:  127.0.0.0/8:allow,RELAYCLIENT=""
//           203.0.113.0/24:deny
// Without a matching rule a connection is allowed with no extra variables.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "net/address.h"

namespace posta::net {

struct Rule {
  Cidr net;
  bool any = false;    // the empty address: matches everything, prefix -1
  bool allow = true;
  std::vector<std::pair<std::string, std::string>> env;
  int line = 0;        // line number in the file, for logs
  std::string text;    // the address part as written
};

class Rules {
 public:
  // Parses the whole text; any malformed line is an error naming the line.
  [[nodiscard]] static Result<Rules> parse(std::string_view text);
  [[nodiscard]] static Result<Rules> load(const std::string& path);

  // The most specific rule containing addr; nullptr when none does.
  const Rule* match(const IpAddr& addr) const;
  size_t size() const { return rules_.size(); }

 private:
  std::vector<Rule> rules_;  // sorted by prefix length, longest first
};

// One rule line without comment; exposed for the unit tests.
[[nodiscard]] Result<Rule> parse_rule(std::string_view line);

}  // namespace posta::net
