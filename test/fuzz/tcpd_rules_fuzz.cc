// libFuzzer target for posta-tcpd's rules parser and CIDR matching.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/address.h"
#include "net/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rules = posta::net::Rules::parse(text);
  if (rules) {
    for (auto ip : {"127.0.0.1", "10.1.2.3", "::1", "2001:db8::1", "::ffff:192.0.2.1"}) {
      auto a = posta::net::parse_ip(ip);
      if (a) (void)rules->match(*a);
    }
  }
  (void)posta::net::parse_cidr(text);
  (void)posta::net::parse_ip(text);
  return 0;
}
