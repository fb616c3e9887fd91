// DKIM signing (RFC 6376, RFC 8463): rsa-sha256 or ed25519-sha256, relaxed/relaxed,
// From over-signed so that a second From cannot be added after signing.
#pragma once
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "dkim/canon.h"
#include "dkim/key.h"

namespace posta::dkim {

struct SignOptions {
  std::string domain;    // d=
  std::string selector;  // s=
  std::time_t timestamp = 0;  // t=; 0: now
  // Fields signed when present, each instance; "from" is always signed once more.
  std::vector<std::string> headers = {"from", "reply-to", "subject", "date", "to", "cc",
                                      "message-id", "in-reply-to", "references", "mime-version",
                                      "content-type", "content-transfer-encoding", "sender",
                                      "list-id", "list-unsubscribe", "list-unsubscribe-post"};
};

// The complete "DKIM-Signature: ...\r\n" field to put in front of the message (CRLF form).
[[nodiscard]] Result<std::string> sign(std::string_view crlf_message, const EVP_PKEY* key,
                                       const SignOptions& o);

// Shared with the verifier: hash of the canonical body, signature over the header hash input.
std::string sha256(std::string_view data);
[[nodiscard]] Result<std::string> raw_sign(const EVP_PKEY* key, std::string_view data);
bool raw_verify(const EVP_PKEY* key, std::string_view data, std::string_view sig);
// The header hash input: selected fields, then the signature field with b= emptied and no CRLF.
std::string header_hash_input(const std::vector<const HeaderField*>& fields,
                              const HeaderField& sig_field, bool relaxed);
// The field with the value of its b= tag removed.
std::string strip_b_value(std::string_view raw_field);

}  // namespace posta::dkim
