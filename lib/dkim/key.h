// DKIM keys: generation (RSA 2048, Ed25519), PEM storage, and the DNS TXT key record.
#pragma once
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::dkim {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

enum class KeyType { kRsa, kEd25519 };
const char* key_type_name(KeyType t);  // "rsa", "ed25519" (the k= tag)
[[nodiscard]] Result<KeyType> parse_key_type(const std::string& s);
KeyType type_of(const EVP_PKEY* k);

[[nodiscard]] Result<Pkey> generate_key(KeyType t, int rsa_bits = 2048);
[[nodiscard]] Result<std::string> private_pem(const EVP_PKEY* k);  // PKCS#8
[[nodiscard]] Result<Pkey> load_private_pem(std::string_view pem);

// p= value: base64 SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519 (RFC 8463).
[[nodiscard]] Result<std::string> public_p(const EVP_PKEY* k);
// "v=DKIM1; k=rsa; p=..." as published under selector._domainkey.domain.
[[nodiscard]] Result<std::string> txt_record(const EVP_PKEY* k);
// The TXT text split into quoted strings of at most 255 octets, zone-file style.
std::string quoted_txt(std::string_view txt);

struct PublicKey {
  KeyType type = KeyType::kRsa;
  Pkey key;
  bool testing = false;          // t=y
  bool strict_identity = false;  // t=s: the i= domain must be d= itself, not a subdomain
};
// Parses a key record; fails on unknown v/k, revoked (empty p=), bad key data, an h= without
// sha256, an s= without email or *, RSA keys under 1024 bits (RFC 8301).
[[nodiscard]] Result<PublicKey> parse_key_record(std::string_view txt);

// base/base64.h's strict decoder after dropping the whitespace a tag value may hold
// (RFC 6376 section 3.5).
[[nodiscard]] Result<std::string> b64_decode(std::string_view in);

}  // namespace posta::dkim
