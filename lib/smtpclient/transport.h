// A client connection: non-blocking TCP connect with a timeout, line reads and writes with
// a deadline each, and an optional OpenSSL client session after STARTTLS. posta-remote holds
// no key: it only needs OpenSSL's client side and the CA store.
#pragma once
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/c_ptr.h"
#include "base/error.h"
#include "io/fd.h"

namespace posta::smtpc {

using Millis = std::chrono::milliseconds;

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
// TLS 1.2+ client context trusting the system CA store and, when given, an extra CA file
// (control/tlsca). Peer verification is checked after the handshake so that policy "may"
// can still log whether the peer was trusted.
// Nothing is loaded until ensure(): most deliveries to servers without STARTTLS never need
// OpenSSL, and creating a context costs several ms of CPU per posta-remote process. The
// system store is the hashed directory (lazy: only the issuers a chain needs are read),
// not the 200 KB bundle, whose parsing cost 30-40 ms of CPU per delivery; SSL_CERT_FILE
// in the environment still selects a bundle.
class TlsClientContext {
 public:
  [[nodiscard]] static Result<TlsClientContext> create(const std::string& extra_ca_file = "");
  [[nodiscard]] Status ensure() const;  // builds the OpenSSL context once
  SSL_CTX* get() const { return ctx_.get(); }  // null before ensure()

 private:
  std::string extra_ca_;
  mutable std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
};

struct TlsResult {
  std::string protocol;      // "TLSv1.3"
  std::string cipher;        // "TLS_AES_256_GCM_SHA384"
  bool verified = false;     // chain trusted and the name matches
  std::string verify_error;  // why not, when !verified
  std::string peer_subject;
};

class Connection {
 public:
  // ip is numeric (v4 or v6). Fails on refusal, unreachability or timeout.
  [[nodiscard]] static Result<Connection> connect(const std::string& ip, int port, Millis timeout);

  [[nodiscard]] Status write(std::string_view data, Millis timeout);
  // One line without CR LF, at most max bytes (longer lines fail).
  [[nodiscard]] Result<std::string> read_line(Millis timeout, size_t max = 4096);
  // Client handshake; verify_name is the host name the certificate must match (empty: no
  // name check). Input buffered before the handshake is discarded (RFC 3207).
  [[nodiscard]] Result<TlsResult> start_tls(const TlsClientContext& ctx, const std::string& sni,
                                            const std::string& verify_name, Millis timeout);
  bool tls() const { return ssl_ != nullptr; }
  // Nothing unread and nothing arriving: a connection between transactions that the server
  // has not closed (EOF), timed out (421) or otherwise spoken on, so it may carry another.
  bool quiet() const;
  const std::string& peer() const { return peer_; }  // "ip:port"
  int fd() const { return fd_.get(); }

 private:
  Connection(Fd fd, std::string peer) : fd_(std::move(fd)), peer_(std::move(peer)) {}
  // The number of bytes read, 0 at end of file.
  [[nodiscard]] Result<size_t> read_some(char* buf, size_t n, Millis timeout);

  Fd fd_;
  std::string peer_;
  CPtr<SSL, SSL_free> ssl_;
  std::string in_;
};

}  // namespace posta::smtpc
