// control/trustednets: the client networks that the sender checks (SPF) and the reputation
// checks (blocklists, greylisting, rate limits, HELO and reverse DNS) skip, one CIDR
// ("192.0.2.0/24", "2001:db8::/32", an address) a line; empty, so nobody, by default.
#pragma once
#include <string_view>
#include <vector>

#include "control/control.h"
#include "net/address.h"

namespace posta::policy {

class TrustedNetworks {
 public:
  // Malformed lines are logged and skipped.
  static TrustedNetworks load(const Control& ctl);
  bool contains(const net::IpAddr& ip) const;
  // An address in text form; false for anything that is not one ("unknown").
  bool contains(std::string_view ip) const;
  bool empty() const { return nets_.empty(); }

 private:
  std::vector<net::Cidr> nets_;
};

}  // namespace posta::policy
