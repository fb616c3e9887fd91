#include "dkim/key.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "dkim/canon.h"
#include "dkim/tags.h"

namespace posta::dkim {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

}  // namespace

const char* key_type_name(KeyType t) { return t == KeyType::kRsa ? "rsa" : "ed25519"; }

Result<KeyType> parse_key_type(const std::string& s) {
  if (s == "rsa") return KeyType::kRsa;
  if (s == "ed25519") return KeyType::kEd25519;
  return fail("unknown key type '" + s + "' (rsa or ed25519)");
}

KeyType type_of(const EVP_PKEY* k) {
  return EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 ? KeyType::kEd25519 : KeyType::kRsa;
}

Result<std::string> b64_decode(std::string_view in) { return base64_decode(without_fws(in)); }

Result<Pkey> generate_key(KeyType t, int rsa_bits) {
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(
      EVP_PKEY_CTX_new_id(t == KeyType::kRsa ? EVP_PKEY_RSA : EVP_PKEY_ED25519, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return fail("cannot initialise key generation");
  if (t == KeyType::kRsa && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) <= 0)
    return fail("cannot set RSA key size");
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &k) <= 0) return fail("key generation failed");
  return Pkey(k);
}

Result<std::string> private_pem(const EVP_PKEY* k) {
  std::unique_ptr<BIO, BioDeleter> b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("cannot encode the private key");
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, n);
}

Result<Pkey> load_private_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!k) return fail("not a PEM private key");
  int id = EVP_PKEY_get_id(k);
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    return fail("DKIM keys are RSA or Ed25519");
  }
  return Pkey(k);
}

Result<std::string> public_p(const EVP_PKEY* k) {
  if (type_of(k) == KeyType::kEd25519) {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1) return fail("cannot get the Ed25519 public key");
    return base64_encode(std::string_view(reinterpret_cast<char*>(raw), len));
  }
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(const_cast<EVP_PKEY*>(k), &der);
  if (n <= 0) return fail("cannot encode the public key");
  std::string out = base64_encode(std::string_view(reinterpret_cast<char*>(der), n));
  OPENSSL_free(der);
  return out;
}

Result<std::string> txt_record(const EVP_PKEY* k) {
  auto p = public_p(k);
  if (!p) return std::unexpected(p.error());
  return std::string("v=DKIM1; k=") + key_type_name(type_of(k)) + "; p=" + *p;
}

std::string quoted_txt(std::string_view txt) {
  std::string out;
  for (size_t i = 0; i < txt.size(); i += 255) {
    if (!out.empty()) out += " ";
    out += "\"" + std::string(txt.substr(i, 255)) + "\"";
  }
  return out.empty() ? "\"\"" : out;
}

namespace {

// t=, h= and s= are colon-separated lists (RFC 6376 section 3.6.1).
bool list_has(const std::string& list, std::string_view want) {
  for (auto& item : split(without_fws(list), ':'))
    if (item == want) return true;
  return false;
}

}  // namespace

Result<PublicKey> parse_key_record(std::string_view txt) {
  auto parsed = parse_tags(txt);
  if (!parsed) return fail("malformed key record");
  auto& tags = *parsed;
  if (tags.count("v") && tags["v"] != "DKIM1") return fail("key record version is not DKIM1");
  auto kt = parse_key_type(tags.count("k") ? tags["k"] : "rsa");
  if (!kt) return std::unexpected(kt.error());
  if (tags.count("h") && !list_has(tags["h"], "sha256")) return fail("key record does not allow sha256 (h=)");
  if (tags.count("s") && !list_has(tags["s"], "*") && !list_has(tags["s"], "email"))
    return fail("key record is not for email (s=)");
  if (!tags.count("p")) return fail("key record without p=");
  if (tags["p"].empty()) return fail("key revoked (empty p=)");
  auto der = b64_decode(tags["p"]);
  if (!der) return fail("key record: " + der.error().what);
  PublicKey pk;
  pk.type = *kt;
  if (tags.count("t")) {
    pk.testing = list_has(tags["t"], "y");
    pk.strict_identity = list_has(tags["t"], "s");
  }
  const auto* d = reinterpret_cast<const unsigned char*>(der->data());
  if (*kt == KeyType::kEd25519) {
    pk.key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, d, der->size()));
  } else {
    pk.key.reset(d2i_PUBKEY(nullptr, &d, static_cast<long>(der->size())));
    if (!pk.key) {  // RSAPublicKey form, as some publish it
      d = reinterpret_cast<const unsigned char*>(der->data());
      pk.key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &d, static_cast<long>(der->size())));
    }
  }
  if (!pk.key || type_of(pk.key.get()) != *kt) return fail("key record: unusable public key");
  // RFC 8301 section 3.2: keys under 1024 bits are not considered valid
  if (*kt == KeyType::kRsa && EVP_PKEY_get_bits(pk.key.get()) < 1024) return fail("RSA key shorter than 1024 bits");
  return pk;
}

}  // namespace posta::dkim
