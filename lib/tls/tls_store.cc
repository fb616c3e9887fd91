#include "tls/tls_store.h"

#include <filesystem>

#include "log/log.h"

namespace posta {

Status TlsStore::reload() {
  ServerTlsConfig plain = cfg_;
  plain.sni_dir.clear();  // the store does SNI itself, from memory
  auto def = make_server_ctx(plain);
  if (!def) return std::unexpected(def.error());
  std::map<std::string, SslCtxPtr> named;
  std::error_code ec;
  if (!cfg_.sni_dir.empty()) {
    for (auto& e : std::filesystem::directory_iterator(cfg_.sni_dir, ec)) {
      std::string dir = e.path().string();
      std::string name = sni_dir_name(e.path().filename().string());
      if (!e.is_directory() || !std::filesystem::exists(dir + "/cert.pem")) continue;
      if (name.empty() || name != e.path().filename().string()) {
        log::warning("directory name ", e.path().filename().string(),
                     " is not a lower-case host name: ignored");
        continue;
      }
      ServerTlsConfig sub{dir + "/cert.pem", dir + "/key.pem", "", cfg_.client_ca};
      auto c = make_server_ctx(sub);
      if (!c) return std::unexpected(c.error());
      named.emplace(name, std::move(*c));
    }
  }
  SSL_CTX_set_tlsext_servername_callback(def->get(), on_servername);
  SSL_CTX_set_tlsext_servername_arg(def->get(), this);
  default_ = std::move(*def);
  by_name_ = std::move(named);
  return {};
}

int TlsStore::on_servername(SSL* ssl, int*, void* self) {
  const auto* store = static_cast<const TlsStore*>(self);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;
  auto it = store->by_name_.find(sni_dir_name(name));
  if (it != store->by_name_.end()) SSL_set_SSL_CTX(ssl, it->second.get());
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace posta
