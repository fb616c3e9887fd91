// SASL responses as posta-smtpd (AUTH), posta-imapd (AUTHENTICATE) and posta-pop3d (AUTH)
// receive them: PLAIN (RFC 4616) and the user name and password of LOGIN.
//
// The authorization identity of PLAIN: empty, or equal to the authentication identity, is
// an ordinary login as the authentication identity; any other is a master login, passed
// to the checker as "authzid*authcid" (the mailbox, '*', the master user whose password it
// is: posta-auth(8), "Master users"). The servers apply check_credentials afterwards.
#pragma once
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "base/error.h"

namespace posta::auth {

// A continuation line: strict base64 (base/base64.h).
[[nodiscard]] Result<Secret> decode_response(std::string_view line);
// An initial response, sent with the command: the same, except that "=" is the empty
// response (RFC 4954 section 4, RFC 4959, RFC 5034).
[[nodiscard]] Result<Secret> decode_initial_response(std::string_view text);

// A decoded PLAIN message, "authzid NUL authcid NUL passwd". An error when a NUL is
// missing, the authentication identity is empty or the password holds a NUL.
[[nodiscard]] Result<Credentials> parse_plain(const Secret& message);

// The login the checker gets for these identities (the rule above).
std::string login_for(std::string_view authzid, std::string_view authcid);

}  // namespace posta::auth
