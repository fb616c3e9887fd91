#include "policy/trusted_networks.h"

#include "log/log.h"

namespace posta::policy {

TrustedNetworks TrustedNetworks::load(const Control& ctl) {
  TrustedNetworks t;
  for (auto& l : ctl.lines("trustednets")) {
    if (auto c = net::parse_cidr(l))
      t.nets_.push_back(*c);
    else
      log::warning("control/trustednets: not a network: ", log::printable(l, 64), ": line ignored");
  }
  return t;
}

bool TrustedNetworks::contains(const net::IpAddr& ip) const {
  for (auto& n : nets_)
    if (n.contains(ip)) return true;
  return false;
}

bool TrustedNetworks::contains(std::string_view ip) const {
  auto a = net::parse_ip(ip);
  return a && contains(*a);
}

}  // namespace posta::policy
