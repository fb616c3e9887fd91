// Greylisting (posta-policyd(8) "GREYLISTING"): a triplet of client network (an IPv4
// address's /24, an IPv6 address's /64), envelope sender and recipient is deferred until it
// comes back at least `delay` seconds after its first attempt; a triplet nobody retried within
// `unconfirmed_lifetime` starts over, one that passed is remembered for `passed_lifetime`
// after its last use. A network whose triplets passed `auto_allow` times passes at once
// (big senders retry from other hosts of the same network, with other senders).
//
// Records ("g:" triplet -> "first last passed", "n:" network -> "passes last") live in a
// Store; times are unix seconds passed in by the caller.
#pragma once
#include <cstdint>
#include <string>

#include "base/error.h"
#include "net/address.h"
#include "policy/store.h"

namespace posta::policy {

struct GreylistSettings {
  int64_t delay = 300;
  int64_t unconfirmed_lifetime = 2 * 86400;
  int64_t passed_lifetime = 35 * 86400;
  uint32_t auto_allow = 5;  // 0: never
};

// "192.0.2.0/24", "2001:db8:1:2::/64".
std::string greylist_network(const net::IpAddr& ip);

struct GreylistVerdict {
  bool pass = false;
  int64_t retry_in = 0;  // seconds, when deferred
};

[[nodiscard]] Result<GreylistVerdict> greylist_check(Store& s, const GreylistSettings& g, const net::IpAddr& ip,
                                                     const std::string& sender, const std::string& rcpt, int64_t now);

// Removes the records past their lifetimes; returns how many.
[[nodiscard]] Result<size_t> greylist_expire(Store& s, const GreylistSettings& g, int64_t now);

}  // namespace posta::policy
