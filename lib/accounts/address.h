// Mail address validation and normalisation for the accounts databases.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::accounts {

// Error::code values of failed Accounts calls; any other code means temporary trouble.
constexpr int kErrNotFound = -1;  // the record (or its domain) does not exist
constexpr int kErrExists = -2;    // add of something that already exists
constexpr int kErrInvalid = -3;   // bad address, bad field value
constexpr int kErrRefused = -4;   // policy: domain account limit, domain still has users, ...
inline bool is_temporary(const Error& e) { return e.code < kErrRefused || e.code > kErrNotFound; }


// An address split at its last '@'. local keeps its case as given; domain is lower-cased.
struct Address {
  std::string local;
  std::string domain;
  std::string str() const { return local + "@" + domain; }
  // The database key: the whole address lower-cased (lookups are case-insensitive).
  std::string key() const;
};

// Refuses (with a clear message): no '@', empty local part or domain, more than 254 octets,
// control characters, spaces, NUL, bytes >= 0x80, RFC 5322 specials ( ) < > [ ] : ; \ , "
// and '@' in the local part, '/' or a leading '.', trailing '.', ".." in the local part
// (so it can never be a path component), and a domain that is not a dotted sequence of
// letters/digits/hyphens labels (1..63 octets each, no leading/trailing hyphen).
[[nodiscard]] Result<Address> valid_address(std::string_view s);

// A domain name on its own (same rules as the domain of valid_address); lower-cased.
[[nodiscard]] Result<std::string> valid_domain(std::string_view s);

// "user+tag" -> {"user", "tag"} at the first occurrence of any character of separators;
// {local, ""} when there is none or separators is empty. A leading separator does not split.
struct SubAddress {
  std::string base;
  std::string detail;
};
SubAddress split_detail(std::string_view local, std::string_view separators = "+");

}  // namespace posta::accounts
