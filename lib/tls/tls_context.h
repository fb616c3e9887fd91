// Server-side TLS contexts for posta-tlsd: policy, key loading, SNI, session facts.
// Policy: TLS 1.2 and 1.3 only, ECDHE+AEAD ciphers, no compression, no renegotiation,
// no session tickets or cache (no resumption state to protect or share, in either posta-tlsd
// shape), released idle buffers. Long-lived holders of many contexts: tls/tls_store.h.
#pragma once
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/c_ptr.h"
#include "base/error.h"
#include "tls/tls_control.h"

namespace posta {

using SslCtxPtr = CPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = CPtr<SSL, SSL_free>;

struct ServerTlsConfig {
  std::string cert_file;  // PEM chain, leaf first
  std::string key_file;   // PEM private key, mode 0600 or stricter
  std::string sni_dir;    // <sni_dir>/<servername>/{cert,key}.pem; "" disables SNI lookup
  std::string client_ca;  // request client certificates verified against this; "" = none
};

// The TLS 1.2 cipher list (TLS 1.3 uses OpenSSL's AEAD suites).
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The queued OpenSSL errors as one line (and clears the queue); "" when none.
std::string openssl_errors();

// Fails unless path is a regular file that group and others can neither read nor write.
[[nodiscard]] Status check_key_file(const std::string& path);

// A context with the policy above and cert_file/key_file loaded and checked; installs the
// SNI callback when cfg.sni_dir is set (cfg must outlive the context).
[[nodiscard]] Result<SslCtxPtr> make_server_ctx(const ServerTlsConfig& cfg);

// Accepts a DNS host name safe to use as a directory name: letters, digits, '-', '.',
// no empty labels, at most 253 bytes. Returns the lower-cased name, "" when invalid.
std::string sni_dir_name(std::string_view server_name);

// Protocol, cipher, SNI and peer certificate subject of an established session.
TlsInfo session_info(SSL* ssl);

}  // namespace posta
