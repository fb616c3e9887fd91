#include "tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cctype>
#include <fcntl.h>

#include "io/fd.h"
#include "log/log.h"

namespace posta {
namespace {

using BioPtr = CPtr<BIO, BIO_free>;
using PkeyPtr = CPtr<EVP_PKEY, EVP_PKEY_free>;

Status check_key_stat(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return fail("key file " + path + " is not a regular file");
  if (st.st_mode & 077)
    return fail(log::cat("key file ", path, " is accessible by group or others (mode 0",
                         std::oct, (st.st_mode & 07777), "); run chmod 600 ", path));
  return {};
}

// Loads the key from an fd that was checked with fstat (no race between check and use).
Status load_key(SSL_CTX* ctx, const std::string& path) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return fail_sys("unable to stat " + path);
  if (auto s = check_key_stat(path, st); !s) return s;
  auto pem = read_all(fd->get(), 1 << 20);
  if (!pem) return std::unexpected(pem.error());
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  PkeyPtr key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) return fail("unable to read private key " + path + ": " + openssl_errors());
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert && X509_check_private_key(cert, key.get()) != 1) {
    ERR_clear_error();
    return fail("private key " + path + " does not match the certificate");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
    return fail("unable to use private key " + path + ": " + openssl_errors());
  return {};
}

Status apply_policy(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1)
    return fail("unable to set the cipher policy: " + openssl_errors());
  return {};
}

Status use_client_ca(SSL_CTX* ctx, const std::string& ca) {
  if (ca.empty()) return {};
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1)
    return fail("unable to load client CA file " + ca + ": " + openssl_errors());
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
  if (names) SSL_CTX_set_client_CA_list(ctx, names);
  // Ask for a certificate, do not require one; a presented one must verify.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return {};
}

Result<SslCtxPtr> new_ctx(const ServerTlsConfig& cfg, const std::string& cert,
                          const std::string& key) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return fail("unable to create TLS context: " + openssl_errors());
  if (auto s = apply_policy(ctx.get()); !s) return std::unexpected(s.error());
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1)
    return fail("unable to load certificate " + cert + ": " + openssl_errors());
  if (auto s = load_key(ctx.get(), key); !s) return std::unexpected(s.error());
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return fail("private key " + key + " does not match certificate " + cert);
  if (auto s = use_client_ca(ctx.get(), cfg.client_ca); !s) return std::unexpected(s.error());
  return ctx;
}

// SNI: a per-name directory replaces the default context for this connection.
int sni_callback(SSL* ssl, int* alert, void* arg) {
  const auto* cfg = static_cast<const ServerTlsConfig*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;
  std::string dir = sni_dir_name(name);
  if (dir.empty()) return SSL_TLSEXT_ERR_OK;  // odd name: default certificate
  std::string base = cfg->sni_dir + "/" + dir + "/";
  struct stat st;
  if (::stat((base + "cert.pem").c_str(), &st) != 0) return SSL_TLSEXT_ERR_OK;
  auto ctx = new_ctx(*cfg, base + "cert.pem", base + "key.pem");
  if (!ctx) {
    log::error("unable to use the certificate for ", dir, ": ", ctx.error().what);
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, ctx->get());  // takes its own reference
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::string openssl_errors() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Status check_key_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return fail_sys("unable to stat key file " + path);
  return check_key_stat(path, st);
}

Result<SslCtxPtr> make_server_ctx(const ServerTlsConfig& cfg) {
  auto ctx = new_ctx(cfg, cfg.cert_file, cfg.key_file);
  if (!ctx) return ctx;
  if (!cfg.sni_dir.empty()) {
    SSL_CTX_set_tlsext_servername_callback(ctx->get(), sni_callback);
    SSL_CTX_set_tlsext_servername_arg(ctx->get(), const_cast<ServerTlsConfig*>(&cfg));
  }
  return ctx;
}

std::string sni_dir_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return "";
  std::string out;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return "";
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (++label > 63) return "";
    } else {
      return "";
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (label == 0) return "";  // trailing dot or empty last label
  return out;
}

TlsInfo session_info(SSL* ssl) {
  TlsInfo info;
  info.protocol = SSL_get_version(ssl);
  if (const char* c = SSL_get_cipher_name(ssl)) info.cipher = c;
  if (const char* n = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) info.sni = n;
  if (X509* peer = SSL_get0_peer_certificate(ssl)) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(peer), 0,
                                  XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      long n = BIO_get_mem_data(bio.get(), &data);
      if (n > 0) info.peer_subject.assign(data, static_cast<size_t>(n));
    }
  }
  return info;
}

}  // namespace posta
