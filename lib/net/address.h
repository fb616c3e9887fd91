// IP addresses, CIDR prefixes and socket address helpers. Numeric only: no DNS.
#pragma once
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::net {

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are stored as IPv4,
// so that rules and per-address limits treat a client the same on a dual-stack socket.
struct IpAddr {
  int family = 0;                      // AF_INET or AF_INET6; 0 when empty
  std::array<uint8_t, 16> bytes{};     // IPv4 uses the first 4
  size_t size() const { return family == AF_INET ? 4 : 16; }
  std::string str() const;
  bool operator==(const IpAddr&) const = default;
  auto operator<=>(const IpAddr&) const = default;
};

// The key under which per-client limits count an address: an IPv4 address (IPv4-mapped
// IPv6 included) as itself, an IPv6 address as its first v6_prefix bits (0..128), since one
// IPv6 client usually holds a whole /64.
IpAddr limit_key(const IpAddr& a, int v6_prefix);

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"; nullopt for anything else.
std::optional<IpAddr> parse_ip(std::string_view s);

// A network: address and prefix length. Matching ignores host bits.
struct Cidr {
  IpAddr addr;
  int prefix = 0;  // 0..32 for IPv4, 0..128 for IPv6
  bool contains(const IpAddr& a) const;
  std::string str() const;
};

// "10.0.0.0/8", "2001:db8::/32", a plain address (a host prefix), or the qmail/tcprules
// address prefix forms "10." / "192.168." / "127.0.0." (whole octets). nullopt if malformed.
std::optional<Cidr> parse_cidr(std::string_view s);

// Address and port of a socket address (IPv4-mapped normalised to IPv4).
struct Endpoint {
  IpAddr ip;
  uint16_t port = 0;
};
std::optional<Endpoint> endpoint_of(const sockaddr* sa, socklen_t len);

// A numeric listening address: "127.0.0.1", "::1", "0" (any IPv4), "::" (any, dual stack).
struct BindAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = 0;
};
[[nodiscard]] Result<BindAddr> bind_addr(std::string_view host, std::string_view port);

// A port number 1..65535 (0 allowed with allow_zero), nullopt otherwise.
std::optional<uint16_t> parse_port(std::string_view s, bool allow_zero = false);

}  // namespace posta::net
