// The Authentication-Results header field (RFC 8601) that records what we checked, and the
// removal of incoming fields that claim to be ours (section 5: a forged one could otherwise
// vouch for a message).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/control.h"
#include "dkim/verify.h"
#include "dmarc/evaluate.h"

namespace posta::authres {

// control/authservid, else control/me.
std::string authserv_id(const Control& control);

struct SpfResult {
  std::string result;    // RFC 7208 name: pass fail softfail neutral none temperror permerror
  std::string mailfrom;  // the MAIL FROM address; "" when it was <> (then helo is the identity)
  std::string helo;
};

struct Checks {
  std::optional<SpfResult> spf;            // absent: not checked, not listed
  std::optional<std::vector<dkim::Verdict>> dkim;  // absent: not checked; empty: dkim=none
  std::optional<dmarc::Evaluation> dmarc;  // absent: not checked
};

// "Authentication-Results: id;\r\n\tspf=pass smtp.mailfrom=a@b.example;\r\n\tdkim=..."
// ending in CRLF ("; none" when nothing was checked). Every value that is not a plain token
// is written as a quoted-string; CR, LF and other controls never reach the field.
std::string build(std::string_view authserv_id, const Checks& c);

// True when an Authentication-Results value names authserv_id (ASCII case ignored; comments
// and white space before it, and a version after it, allowed).
bool names_authserv_id(std::string_view field_value, std::string_view authserv_id);

// message (or its header block alone) without the Authentication-Results fields that name
// authserv_id; the body and every other field are left byte for byte. LF or CRLF line ends.
std::string strip_ours(std::string_view message, std::string_view authserv_id);

}  // namespace posta::authres
