#include "accounts/address.h"

#include <cstring>

#include "base/strings.h"

namespace posta::accounts {
namespace {

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

Status check_local(std::string_view l) {
  if (l.empty()) return fail("empty local part");
  if (l.size() > 64) return fail("local part longer than 64 octets");
  for (unsigned char c : l) {
    if (c < 0x20 || c == 0x7f) return fail("control character in local part");
    if (c >= 0x80) return fail("non-ASCII character in local part");
    if (c == ' ') return fail("space in local part");
    if (std::strchr("()<>[]:;\\,\"@", c)) return fail(std::string("character '") + char(c) + "' not allowed in local part");
    if (c == '/') return fail("'/' not allowed in local part");
  }
  if (l.front() == '.' || l.back() == '.') return fail("local part starts or ends with '.'");
  if (l.find("..") != std::string_view::npos) return fail("'..' in local part");
  return {};
}

}  // namespace

std::string Address::key() const { return lower(domain) + "/" + lower(local); }

Result<std::string> valid_domain(std::string_view d) {
  if (d.empty()) return fail("empty domain", kErrInvalid);
  if (d.size() > 253) return fail("domain longer than 253 octets", kErrInvalid);
  size_t start = 0;
  while (start <= d.size()) {
    size_t dot = d.find('.', start);
    if (dot == std::string_view::npos) dot = d.size();
    auto label = d.substr(start, dot - start);
    if (label.empty()) return fail("empty label in domain", kErrInvalid);
    if (label.size() > 63) return fail("domain label longer than 63 octets", kErrInvalid);
    for (char c : label)
      if (!is_label_char(c)) return fail("invalid character in domain (letters, digits, '-' and '.' only)", kErrInvalid);
    if (label.front() == '-' || label.back() == '-') return fail("domain label starts or ends with '-'", kErrInvalid);
    start = dot + 1;
  }
  return lower(std::string(d));
}

Result<Address> valid_address(std::string_view s) {
  if (s.size() > 254) return fail("address longer than 254 octets", kErrInvalid);
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return fail("control character in address", kErrInvalid);
  auto at = s.rfind('@');
  if (at == std::string_view::npos) return fail("address has no '@'", kErrInvalid);
  if (auto st = check_local(s.substr(0, at)); !st) return fail(st.error().what, kErrInvalid);
  auto dom = valid_domain(s.substr(at + 1));
  if (!dom) return std::unexpected(dom.error());
  return Address{std::string(s.substr(0, at)), *dom};
}

SubAddress split_detail(std::string_view local, std::string_view separators) {
  if (separators.empty() || local.size() < 2) return {std::string(local), ""};
  auto pos = local.find_first_of(separators, 1);
  if (pos == std::string_view::npos) return {std::string(local), ""};
  return {std::string(local.substr(0, pos)), std::string(local.substr(pos + 1))};
}

}  // namespace posta::accounts
