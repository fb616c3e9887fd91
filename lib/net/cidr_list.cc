#include "net/cidr_list.h"

namespace posta::net {

Result<CidrList> CidrList::parse(const std::vector<std::string>& lines) {
  CidrList l;
  for (auto& line : lines) {
    auto c = parse_cidr(line);
    if (!c) return fail("not a network: " + line);
    l.nets_.push_back(*c);
  }
  return l;
}

bool CidrList::contains(const IpAddr& a) const {
  for (auto& n : nets_)
    if (n.contains(a)) return true;
  return false;
}

}  // namespace posta::net
