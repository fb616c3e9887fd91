// Password hashing with libcrypt.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::accounts {

// yescrypt ("$y$...") with a fresh salt from crypt_gensalt_rn (default cost).
[[nodiscard]] Result<std::string> hash_password(std::string_view password);

// Accepts what an admin may import: a crypt(3) string ($y$ $gy$ $7$ $6$ $5$ $2b$ $2y$ $2a$
// $1$) or a Dovecot-style prefixed one: {SHA512-CRYPT} {SHA256-CRYPT} {BLF-CRYPT} {CRYPT}
// {MD5-CRYPT} {YESCRYPT} followed by the crypt string. Returns the bare crypt string to
// store; refuses plain-text schemes ({PLAIN}, {CLEARTEXT}, ...) and unknown ones.
[[nodiscard]] Result<std::string> normalize_hash(std::string_view hash);

// Constant-time comparison of crypt(password, hash) with hash. An empty or malformed hash
// never matches ("*" / "!" locked hashes included).
bool verify_password(std::string_view password, const std::string& hash);

}  // namespace posta::accounts
