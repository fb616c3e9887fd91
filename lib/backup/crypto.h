// The cryptography of a backup repository (INTERNALS.md "Backup repository"): object IDs
// are HMAC-SHA-256 of the plaintext under a key of the repository, so an ID says nothing
// about content to someone without the key; objects are sealed with AES-256-GCM (the ID as
// associated data, so an object cannot be swapped for another); the master key is wrapped
// with a key derived from the passphrase by scrypt.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::backup {

using ObjectId = std::array<unsigned char, 32>;
std::string id_hex(const ObjectId& id);
[[nodiscard]] Result<ObjectId> id_from_hex(std::string_view hex);

// The secret of a repository: one key for IDs, one for encryption.
struct MasterKey {
  std::array<unsigned char, 32> mac{}, enc{};
  [[nodiscard]] static Result<MasterKey> generate();
};

ObjectId object_id(const MasterKey& k, std::string_view plaintext);

// nonce (12) | ciphertext | tag (16)
[[nodiscard]] Result<std::string> seal(const MasterKey& k, const ObjectId& aad, std::string_view plaintext);
// Fails (code EBADMSG) when the data or the ID was changed.
[[nodiscard]] Result<std::string> unseal(const MasterKey& k, const ObjectId& aad, std::string_view sealed);

struct KdfParams {
  uint64_t log2_n = 15;  // scrypt N = 2^log2_n
  uint64_t r = 8, p = 1;
  std::string salt;      // 16 random bytes
};

// The master key sealed under scrypt(passphrase, params); unwrap fails (code EACCES) on a
// wrong passphrase.
[[nodiscard]] Result<std::string> wrap_key(const MasterKey& k, std::string_view passphrase, const KdfParams& p);
[[nodiscard]] Result<MasterKey> unwrap_key(std::string_view wrapped, std::string_view passphrase,
                                           const KdfParams& p);

[[nodiscard]] Result<std::string> random_bytes(size_t n);

}  // namespace posta::backup
