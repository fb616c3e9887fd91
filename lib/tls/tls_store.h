// The certificates of a long-lived posta-tlsd: the default context and one context per
// SNI name (cfg.sni_dir/<name>/{cert,key}.pem), each loaded once. reload() builds a new
// set and swaps it in only when every file loaded; sessions keep the contexts they started
// with (SSL_CTX is reference counted), so a reload never drops an established session.
#pragma once
#include <map>
#include <string>

#include "tls/tls_context.h"

namespace posta {

class TlsStore {
 public:
  explicit TlsStore(ServerTlsConfig cfg) : cfg_(std::move(cfg)) {}
  TlsStore(const TlsStore&) = delete;
  TlsStore& operator=(const TlsStore&) = delete;

  // Loads (or reloads) everything; on failure the previous set stays in use.
  [[nodiscard]] Status reload();
  // The context new sessions start with; nullptr before the first successful reload().
  SSL_CTX* default_ctx() const { return default_.get(); }
  size_t names() const { return by_name_.size(); }

 private:
  static int on_servername(SSL* ssl, int* alert, void* self);

  ServerTlsConfig cfg_;
  SslCtxPtr default_;
  std::map<std::string, SslCtxPtr> by_name_;
};

}  // namespace posta
