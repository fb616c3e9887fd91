// A list of networks, one CIDR (or address, or octet prefix: net::parse_cidr) a line, as in
// control/trustednets: the clients whose mail posta-smtpd's sender checks leave alone.
#pragma once
#include <string>
#include <vector>

#include "base/error.h"
#include "net/address.h"

namespace posta::net {

class CidrList {
 public:
  // Fails on the first malformed line, naming it.
  [[nodiscard]] static Result<CidrList> parse(const std::vector<std::string>& lines);
  bool contains(const IpAddr& a) const;
  bool empty() const { return nets_.empty(); }

 private:
  std::vector<Cidr> nets_;
};

}  // namespace posta::net
