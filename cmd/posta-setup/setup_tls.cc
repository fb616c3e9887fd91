// The instance's self-signed certificate, made with the OpenSSL 3 API.
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "io/fd.h"
#include "setup.h"

namespace posta::setup {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Status add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return fail("unable to add certificate extension " + value);
  return {};
}

Result<std::string> to_pem(EVP_PKEY* key, X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return fail("out of memory");
  int ok = key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_bio_X509(bio.get(), cert);
  if (ok != 1) return fail("unable to encode PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Status fill_certificate(X509* cert, EVP_PKEY* key, const std::vector<std::string>& names) {
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return fail("unable to get random bytes");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  if (!ok || X509_set_version(cert, 2) != 1) return fail("unable to set certificate serial");
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("posta"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(names[0].c_str()), -1, -1, 0);
  if (X509_set_issuer_name(cert, name) != 1 || X509_set_pubkey(cert, key) != 1)
    return fail("unable to fill in certificate");
  std::string san;
  for (auto& n : names) {
    if (!san.empty()) san += ",";
    san += (is_ip(n) ? "IP:" : "DNS:") + n;
  }
  for (auto [nid, v] : {std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")},
                        {NID_subject_key_identifier, "hash"},
                        {NID_authority_key_identifier, "keyid:always"},
                        {NID_subject_alt_name, san}})
    if (auto s = add_ext(cert, nid, v); !s) return s;
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return fail("unable to sign certificate");
  return {};
}

}  // namespace

Status make_certificate(const std::string& dir, const std::vector<std::string>& names) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail("unable to generate a P-256 key");
  CertPtr cert(X509_new());
  if (!cert) return fail("out of memory");
  if (auto s = fill_certificate(cert.get(), key.get(), names); !s) return s;
  auto kp = to_pem(key.get(), nullptr);
  auto cp = to_pem(nullptr, cert.get());
  if (!kp || !cp) return fail("unable to encode certificate");
  if (auto s = write_file_atomic(dir + "/key.pem", *kp, 0600); !s) return s;
  return write_file_atomic(dir + "/cert.pem", *cp, 0644);
}

}  // namespace posta::setup
