// SMTP envelope addresses (RFC 5321 section 4.1.2, RFC 6531 for UTF-8).
// Strict: a Path is "<" [source route ":"] Mailbox ">"; a source route is parsed and
// dropped (RFC 5321 appendix C), never used for routing.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::smtp {

inline constexpr size_t kMaxLocalPart = 64;
inline constexpr size_t kMaxDomain = 255;
inline constexpr size_t kMaxPath = 256;

struct Mailbox {
  std::string local;   // the local part's content: quotes removed, quoted-pairs resolved
  std::string domain;  // as given (a name or an address literal "[...]"), trailing dot refused
  bool literal = false;  // domain is an address literal
  bool utf8 = false;     // contains bytes >= 0x80 (needs SMTPUTF8)

  // local@domain with the local part quoted only when it is not a dot-string.
  std::string str() const;
  bool empty() const { return local.empty() && domain.empty(); }
};

struct Path {
  Mailbox mailbox;       // empty for the null reverse-path "<>"
  bool null = false;     // "<>"
  bool had_route = false;  // "@a,@b:" source route given (and dropped)
};

// Parses "<...>" at the start of s; rest gets what follows the ">".
// allow_utf8: UTF-8 (well-formed, no C1 controls) allowed in local part and domain labels.
// allow_null: "<>" accepted (MAIL FROM).
[[nodiscard]] Result<Path> parse_path(std::string_view s, bool allow_utf8, bool allow_null,
                                      std::string_view* rest = nullptr);

// A bare mailbox (no angle brackets).
[[nodiscard]] Result<Mailbox> parse_mailbox(std::string_view s, bool allow_utf8);

// True when s is a dot-string: atoms of atext (plus UTF-8 when allowed) joined by single dots.
bool is_dot_string(std::string_view s, bool allow_utf8);
// A domain name: LDH labels (or UTF-8 labels when allowed), no empty label, no trailing dot.
bool is_domain(std::string_view s, bool allow_utf8);
// "[1.2.3.4]" or "[IPv6:...]".
bool is_address_literal(std::string_view s);
// Well-formed UTF-8 without overlongs, surrogates and C1 controls.
bool valid_utf8(std::string_view s);

}  // namespace posta::smtp
