// Envelopes: what posta-queue reads on fd 1 (injection form) and what the spool keeps in
// intd/, todo/ and info/ (stored form). Both are NUL-terminated items, one tag byte each.
//
// Injection form (qmail-queue compatible, plus optional DSN items):
//   "F" sender NUL
//   ( "T" recipient NUL [ "N" notify NUL ] [ "O" orcpt NUL ] )+
//   NUL
// N (RFC 3461 NOTIFY: "NEVER" or a comma list of SUCCESS,FAILURE,DELAY) and O (ORCPT,
// "addr-type;address", xtext already decoded) apply to the T item just before them. A plain
// qmail envelope ("F..." "T..."... NUL) is valid as it is.
//
// Stored form: "V1" NUL "t" arrival-seconds NUL "u" uid NUL "p" pid NUL
//   [ "A" authenticated-user NUL ] [ "R" ret NUL ] [ "E" envid NUL ] [ "B" body NUL ]
//   [ "U" "1" NUL ] [ "o" origin NUL ]  then the injection form. posta-queue fills A R E B U
//   from the environment (POSTA_AUTH_USER, POSTA_DSN_RET, POSTA_DSN_ENVID, POSTA_BODY,
//   POSTA_SMTPUTF8) and o from who called it (Origin below). Envelopes written before origins
//   existed have no o item: their origin is unknown, which nothing trusts.
//
// Strict parsing: unknown tags, items out of order, a missing F, no T, control characters
// (< 0x20, 0x7f) in any value, an address longer than kMaxAddress (error code 11), an empty
// final item missing, or any byte after the final NUL are errors (code 91 unless noted).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::queue {

inline constexpr size_t kMaxAddress = 1000;
inline constexpr size_t kMaxRecipients = 100000;
inline constexpr size_t kMaxEnvelope = 64 << 20;

struct Recipient {
  std::string address;
  std::string notify;  // "" when not given; else "NEVER" or e.g. "SUCCESS,FAILURE"
  std::string orcpt;   // "" when not given; e.g. "rfc822;user@example.org"
  bool operator==(const Recipient&) const = default;
};

// Where a message came from, recorded by the queue writer at injection (posta-queue(8),
// "ORIGIN"): what posta-remote decides DKIM signing on. Text form, strict:
//   "net"          from the network, not authenticated
//   "auth:" login  an authenticated SMTP session, with its login
//   "local:" name  injected by a local user (the user name of its uid, "#uid" without one)
//   "forward"      re-injected by a delivery (forward, alias, list) of a message
//   "bounce"       a delivery status notification of posta-send's own
struct Origin {
  enum class Kind { kUnknown, kNetwork, kAuthenticated, kLocal, kForwarded, kBounce };
  Kind kind = Kind::kUnknown;  // kUnknown: none recorded
  std::string name;            // the login (kAuthenticated) or user name (kLocal); else ""
  bool operator==(const Origin&) const = default;
};

// The text form; "" for kUnknown.
std::string encode_origin(const Origin& o);
// Fails on "" and anything encode_origin does not make: an unknown word, an empty or
// over-long name, a name where none belongs, control characters.
[[nodiscard]] Result<Origin> parse_origin(std::string_view text);

// qmail's convention: the envelope sender of a double bounce (a failure notice about a
// bounce, sent to control/doublebounceto); its own failures are dropped.
inline constexpr std::string_view kDoubleBounceSender = "#@[]";

struct Envelope {
  std::string sender;  // "" is the null sender (a bounce)
  std::vector<Recipient> recipients;
  // Stored form only:
  long long arrival = 0;   // unix seconds
  long long uid = -1;      // uid that ran posta-queue
  long long pid = -1;
  std::string auth_user;   // SMTP AUTH identity, when any
  std::string ret;         // "FULL", "HDRS" or ""
  std::string envid;       // RFC 3461 ENVID (decoded), or ""
  std::string body;        // "7BIT", "8BITMIME", "BINARYMIME" or "" (MAIL FROM BODY=)
  bool smtputf8 = false;   // MAIL FROM SMTPUTF8
  Origin origin;
  bool operator==(const Envelope&) const = default;
};

// Error codes carried in Error::code by the parsers: 11 (address too long) or 91 (format).
inline constexpr int kEnvelopeTooLong = 11;
inline constexpr int kEnvelopeFormat = 91;

std::string encode_injected(const Envelope& e);
[[nodiscard]] Result<Envelope> parse_injected(std::string_view data);

std::string encode_stored(const Envelope& e);
[[nodiscard]] Result<Envelope> parse_stored(std::string_view data);

// For readers of a pipe: the length of a complete injection-form envelope at the start of
// data (through its final NUL), or 0 when more bytes are needed. Does not validate items.
size_t injected_length(std::string_view data);

// NOTIFY value checks (RFC 3461): "NEVER" alone, or SUCCESS/FAILURE/DELAY, case-insensitive;
// returns the canonical upper-case form, or "" when invalid.
std::string canonical_notify(std::string_view v);
bool notify_has(std::string_view notify, std::string_view what);  // "" means FAILURE,DELAY

// Domain part of an address (after the last '@'), lower-cased; "" when none.
std::string address_domain(std::string_view address);

}  // namespace posta::queue
