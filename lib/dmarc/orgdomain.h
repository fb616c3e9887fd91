// Organisational domains (RFC 7489 section 3.2) through the Public Suffix List: libpsl with
// the newest of its built-in list and the one the Debian publicsuffix package keeps current
// under /usr/share/publicsuffix (psl_latest).
#pragma once
#include <string>
#include <string_view>

namespace posta::dmarc {

// The registrable domain of `domain` (lower case, no trailing dot): "example.co.uk" for
// "mail.example.co.uk". A public suffix itself, or a name libpsl cannot place, is its own
// organisational domain.
std::string organizational_domain(std::string_view domain);

// Identifier alignment (RFC 7489 section 3.1): strict is equality, relaxed is equal
// organisational domains; ASCII case is ignored.
bool aligned(std::string_view a, std::string_view b, bool strict);

}  // namespace posta::dmarc
