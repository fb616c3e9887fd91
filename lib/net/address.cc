#include "net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace posta::net {

namespace {

const uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

IpAddr from_in6(const uint8_t* b) {
  IpAddr a;
  if (std::memcmp(b, kMappedPrefix, 12) == 0) {
    a.family = AF_INET;
    std::memcpy(a.bytes.data(), b + 12, 4);
  } else {
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), b, 16);
  }
  return a;
}

std::optional<int> parse_int(std::string_view s, int lo, int hi) {
  int v = 0;
  if (s.empty() || s.size() > 5) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// "10." / "192.168." / "127.0.0.": whole leading octets of an IPv4 address.
std::optional<Cidr> parse_octet_prefix(std::string_view s) {
  Cidr c;
  c.addr.family = AF_INET;
  int n = 0;
  while (!s.empty()) {
    size_t dot = s.find('.');
    if (dot == std::string_view::npos || n == 3) return std::nullopt;
    auto v = parse_int(s.substr(0, dot), 0, 255);
    if (!v || (dot > 1 && s[0] == '0')) return std::nullopt;
    c.addr.bytes[n++] = static_cast<uint8_t>(*v);
    s.remove_prefix(dot + 1);
  }
  if (n == 0) return std::nullopt;
  c.prefix = 8 * n;
  return c;
}

}  // namespace

IpAddr limit_key(const IpAddr& a, int v6_prefix) {
  if (a.family != AF_INET6) return a;
  IpAddr k = a;
  int bits = std::clamp(v6_prefix, 0, 128);
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(bits - 8 * i, 0, 8);
    k.bytes[i] &= static_cast<uint8_t>(0xff00u >> keep);
  }
  return k;
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = "";
  if (family == AF_INET || family == AF_INET6) ::inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpAddr> parse_ip(std::string_view s) {
  if (s.empty() || s.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string z(s);
  IpAddr a;
  if (::inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  uint8_t b[16];
  if (::inet_pton(AF_INET6, z.c_str(), b) == 1) return from_in6(b);
  return std::nullopt;
}

bool Cidr::contains(const IpAddr& a) const {
  if (a.family != addr.family) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.bytes.data(), addr.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff00 >> rest);
  return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
}

std::string Cidr::str() const { return addr.str() + "/" + std::to_string(prefix); }

std::optional<Cidr> parse_cidr(std::string_view s) {
  if (!s.empty() && s.back() == '.') return parse_octet_prefix(s);
  size_t slash = s.find('/');
  auto ip = parse_ip(s.substr(0, slash));
  if (!ip) return std::nullopt;
  Cidr c{*ip, ip->family == AF_INET ? 32 : 128};
  if (slash != std::string_view::npos) {
    // a prefix on a v4-mapped address counts in IPv6 bits; convert to IPv4 bits
    bool mapped = ip->family == AF_INET && s.find(':') < slash;
    int max = mapped || ip->family == AF_INET6 ? 128 : 32;
    auto p = parse_int(s.substr(slash + 1), 0, max);
    if (!p || (mapped && *p < 96)) return std::nullopt;
    c.prefix = mapped ? *p - 96 : *p;
  }
  // clear host bits so that str() shows the network
  for (int i = 0; i < 16; ++i) {
    int keep = std::max(0, std::min(8, c.prefix - 8 * i));
    c.addr.bytes[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  return c;
}

std::optional<Endpoint> endpoint_of(const sockaddr* sa, socklen_t len) {
  Endpoint e;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    e.ip.family = AF_INET;
    std::memcpy(e.ip.bytes.data(), &in->sin_addr, 4);
    e.port = ntohs(in->sin_port);
    return e;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    e.ip = from_in6(in6->sin6_addr.s6_addr);
    e.port = ntohs(in6->sin6_port);
    return e;
  }
  return std::nullopt;
}

std::optional<uint16_t> parse_port(std::string_view s, bool allow_zero) {
  auto v = parse_int(s, allow_zero ? 0 : 1, 65535);
  if (!v) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

Result<BindAddr> bind_addr(std::string_view host, std::string_view port) {
  auto p = parse_port(port, true);
  if (!p) return fail("invalid port: " + std::string(port));
  BindAddr b;
  std::string h = host == "0" ? "0.0.0.0" : std::string(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (auto* in = reinterpret_cast<sockaddr_in*>(&b.ss);
      ::inet_pton(AF_INET, h.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(*p);
    b.len = sizeof(sockaddr_in);
    b.family = AF_INET;
    return b;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&b.ss);
  if (::inet_pton(AF_INET6, h.c_str(), &in6->sin6_addr) != 1)
    return fail("not a numeric IP address: " + std::string(host));
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(*p);
  b.len = sizeof(sockaddr_in6);
  b.family = AF_INET6;
  return b;
}

}  // namespace posta::net
