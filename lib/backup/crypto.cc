#include "backup/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>

#include "base/hex.h"

namespace posta::backup {

namespace {

constexpr size_t kNonce = 12, kTag = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// AES-256-GCM with an explicit key, so the wrapping key and the master key share the code.
Result<std::string> gcm_seal(const unsigned char* key, std::string_view aad, std::string_view plain) {
  POSTA_TRY(std::string nonce, random_bytes(kNonce));
  CipherCtx c(EVP_CIPHER_CTX_new());
  std::string out = nonce;
  out.resize(kNonce + plain.size() + kTag);
  auto* o = reinterpret_cast<unsigned char*>(out.data()) + kNonce;
  int len = 0, fin = 0;
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key, u8(nonce)) != 1 ||
      EVP_EncryptUpdate(c.get(), nullptr, &len, u8(aad), int(aad.size())) != 1 ||
      EVP_EncryptUpdate(c.get(), o, &len, u8(plain), int(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(c.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, kTag, o + plain.size()) != 1)
    return fail("AES-256-GCM encryption failed");
  return out;
}

Result<std::string> gcm_open(const unsigned char* key, std::string_view aad, std::string_view sealed) {
  if (sealed.size() < kNonce + kTag) return fail("sealed data too short", EBADMSG);
  size_t n = sealed.size() - kNonce - kTag;
  CipherCtx c(EVP_CIPHER_CTX_new());
  std::string out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(kNonce + n));
  int len = 0, fin = 0;
  if (!c || EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key, u8(sealed)) != 1 ||
      EVP_DecryptUpdate(c.get(), nullptr, &len, u8(aad), int(aad.size())) != 1 ||
      EVP_DecryptUpdate(c.get(), o, &len, u8(sealed.substr(kNonce)), int(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1)
    return fail("AES-256-GCM decryption failed");
  if (EVP_DecryptFinal_ex(c.get(), o + len, &fin) != 1) return fail("authentication failed", EBADMSG);
  return out;
}

std::string_view id_view(const ObjectId& id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }

}  // namespace

std::string id_hex(const ObjectId& id) { return hex_encode(id_view(id)); }

Result<ObjectId> id_from_hex(std::string_view hex) {
  POSTA_TRY(std::string raw, hex_decode(hex));
  if (raw.size() != 32) return fail("an object ID is 64 hex digits");
  ObjectId id;
  std::copy(raw.begin(), raw.end(), id.begin());
  return id;
}

Result<std::string> random_bytes(size_t n) {
  std::string s(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), int(n)) != 1) return fail("RAND_bytes failed");
  return s;
}

Result<MasterKey> MasterKey::generate() {
  MasterKey k;
  if (RAND_bytes(k.mac.data(), 32) != 1 || RAND_bytes(k.enc.data(), 32) != 1) return fail("RAND_bytes failed");
  return k;
}

ObjectId object_id(const MasterKey& k, std::string_view plaintext) {
  ObjectId id;
  unsigned int len = 32;
  HMAC(EVP_sha256(), k.mac.data(), 32, u8(plaintext), plaintext.size(), id.data(), &len);
  return id;
}

Result<std::string> seal(const MasterKey& k, const ObjectId& aad, std::string_view plaintext) {
  return gcm_seal(k.enc.data(), id_view(aad), plaintext);
}

Result<std::string> unseal(const MasterKey& k, const ObjectId& aad, std::string_view sealed) {
  return gcm_open(k.enc.data(), id_view(aad), sealed);
}

namespace {

Result<std::array<unsigned char, 32>> derive(std::string_view pass, const KdfParams& p) {
  std::array<unsigned char, 32> out{};
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
  if (!kdf) return fail("scrypt is not available in this OpenSSL");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  uint64_t n = uint64_t(1) << p.log2_n;
  uint64_t r = p.r, par = p.p;
  // scrypt needs 128 * N * r bytes; OpenSSL's default ceiling (32 MB) would refuse N = 2^15, r = 8
  uint64_t maxmem = 128 * n * r * 2 + (1 << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(pass.data()), pass.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(p.salt.data()), p.salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_P, &par),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  int ok = ctx && EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) return fail("scrypt key derivation failed");
  return out;
}

constexpr std::string_view kWrapAad = "posta-backup master key";

}  // namespace

Result<std::string> wrap_key(const MasterKey& k, std::string_view passphrase, const KdfParams& p) {
  POSTA_TRY(auto kek, derive(passphrase, p));
  std::string plain(reinterpret_cast<const char*>(k.mac.data()), 32);
  plain.append(reinterpret_cast<const char*>(k.enc.data()), 32);
  return gcm_seal(kek.data(), kWrapAad, plain);
}

Result<MasterKey> unwrap_key(std::string_view wrapped, std::string_view passphrase, const KdfParams& p) {
  POSTA_TRY(auto kek, derive(passphrase, p));
  auto plain = gcm_open(kek.data(), kWrapAad, wrapped);
  if (!plain || plain->size() != 64) return fail("wrong passphrase (the repository key does not decrypt)", EACCES);
  MasterKey k;
  std::copy(plain->begin(), plain->begin() + 32, k.mac.begin());
  std::copy(plain->begin() + 32, plain->end(), k.enc.begin());
  return k;
}

}  // namespace posta::backup
