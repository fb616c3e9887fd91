// Sender authentication of one message from the network (posta-spamcheck(8) "SENDER
// AUTHENTICATION"): DKIM signatures verified, DMARC evaluated with the SPF result posta-smtpd
// passed in POSTA_SPF, the Authentication-Results and Received-SPF fields to add, and what
// the DMARC policy and the own-domain rule ask for.
#pragma once
#include <string>
#include <string_view>

namespace posta::spamcheck {

struct SenderAuth {
  bool checked = false;   // posta-smtpd checked the sender (POSTA_SPF set)
  std::string fields;     // Authentication-Results and Received-SPF, LF line ends
  std::string refusal;    // exit 82 text ("D5.7.1 ...", "Z4.7.1 ..."), "" when none
  bool quarantine = false;  // deliver to Junk
  std::string log;        // "spf=pass dkim=pass dmarc=pass" for the log line
};

// message: the LF form as read (its first scanned bytes); complete: nothing was left
// unscanned, so that DKIM body hashes can be checked.
SenderAuth check_sender_auth(const std::string& home, std::string_view message, bool complete);

// The header block without the Authentication-Results fields that name our authserv-id.
std::string strip_our_authres(const std::string& home, std::string_view header_block);

}  // namespace posta::spamcheck
