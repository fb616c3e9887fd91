// A qmail-style list of domains in a control file: control/locals (domains delivered here
// without an entry in the domains database) and control/rcpthosts (domains accepted for).
// The one matching rule, used by posta-smtpd (RCPT) and posta-send (local or remote): an
// entry "example.org" matches that domain; an entry ".example.org" matches every subdomain
// of example.org (a.example.org, a.b.example.org) but not example.org itself. Matching
// ignores ASCII case.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "control/control.h"

namespace posta {

class DomainList {
 public:
  DomainList() = default;
  explicit DomainList(const std::vector<std::string>& entries);
  // The meaningful lines of control/<name>.
  static DomainList load(const Control& control, const std::string& name);

  bool contains(std::string_view domain) const;

 private:
  std::vector<std::string> entries_;  // lower case
};

}  // namespace posta
