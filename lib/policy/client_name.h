// What a client says it is: the HELO name checks (control/helocheck) and forward-confirmed
// reverse DNS (control/fcrdns), see posta-smtpd(8) "Reputation checks".
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "dns/resolver.h"
#include "net/address.h"

namespace posta::policy {

// Why a HELO name is refused, or nullopt when it is acceptable: an address literal that is
// not the client's address, a name that is not a fully qualified domain name, or a name that
// is ours (`me`, or one for which is_ours is true).
std::optional<std::string> helo_problem(const std::string& helo, const net::IpAddr& client, const std::string& me,
                                        const std::function<bool(const std::string&)>& is_ours);

// "4.3.2.1.in-addr.arpa" / the ip6.arpa name.
std::string ptr_name(const net::IpAddr& ip);

struct Fcrdns {
  enum class Status { kPass, kFail, kTempFail };
  Status status = Status::kFail;
  std::string name;  // the confirmed name (kPass)
};

// A PTR lookup, then the A (or AAAA) lookups of up to 10 names it gives, at once: passes when
// one of them leads back to ip.
Fcrdns check_fcrdns(const dns::Resolver& r, const net::IpAddr& ip);

}  // namespace posta::policy
