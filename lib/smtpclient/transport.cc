#include "smtpclient/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "io/deadline.h"

namespace posta::smtpc {
namespace {

using Clock = std::chrono::steady_clock;

std::string ssl_error_text() {
  unsigned long e = ERR_get_error();
  if (!e) return errno ? std::strerror(errno) : "connection closed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// Drives an SSL_* call that may want to read or write until it completes or times out:
// its positive result, or 0 when the peer closed the TLS session.
template <class F>
Result<int> ssl_call(SSL* ssl, int fd, Clock::time_point deadline, F f) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int r = f();
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return fail("timeout");
      continue;
    }
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    return fail(ssl_error_text());
  }
}

}  // namespace

Result<TlsClientContext> TlsClientContext::create(const std::string& extra_ca_file) {
  TlsClientContext c;
  c.extra_ca_ = extra_ca_file;
  return c;
}

Status TlsClientContext::ensure() const {
  if (ctx_) return {};
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail("cannot create TLS context: " + ssl_error_text());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (std::getenv("SSL_CERT_FILE")) SSL_CTX_set_default_verify_paths(ctx.get());
  else SSL_CTX_set_default_verify_dir(ctx.get());
  if (!extra_ca_.empty() && access(extra_ca_.c_str(), R_OK) == 0 &&
      SSL_CTX_load_verify_locations(ctx.get(), extra_ca_.c_str(), nullptr) != 1)
    return fail("cannot load CA file " + extra_ca_ + ": " + ssl_error_text());
  ctx_ = std::move(ctx);
  return {};
}

Result<Connection> Connection::connect(const std::string& ip, int port, Millis timeout) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  std::string peer;
  if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
    peer = ip + ":" + std::to_string(port);
  } else if (::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
    peer = "[" + ip + "]:" + std::to_string(port);
  } else {
    return fail("not an IP address: " + ip);
  }
  Fd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail_sys("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    if (errno != EINPROGRESS) return fail_sys("connect to " + peer);
    if (!wait_fd(fd.get(), POLLOUT, Clock::now() + timeout)) return fail("connect to " + peer + ": timeout", ETIMEDOUT);
    int err = 0;
    socklen_t el = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) return fail_sys("connect to " + peer, err);
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Connection(std::move(fd), peer);
}

Status Connection::write(std::string_view data, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    if (ssl_) {
      size_t chunk = std::min<size_t>(data.size(), 1 << 20);
      auto r = ssl_call(ssl_.get(), fd_.get(), deadline,
                        [&] { return SSL_write(ssl_.get(), data.data(), static_cast<int>(chunk)); });
      if (!r || *r == 0) return fail("write to " + peer_ + ": " + (r ? "connection closed" : r.error().what));
      data.remove_prefix(*r);
      continue;
    }
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd_.get(), POLLOUT, deadline)) return fail("write to " + peer_ + ": timeout");
    } else {
      return fail_sys("write to " + peer_);
    }
  }
  return {};
}

Result<size_t> Connection::read_some(char* buf, size_t n, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  if (ssl_) return ssl_call(ssl_.get(), fd_.get(), deadline, [&] { return SSL_read(ssl_.get(), buf, static_cast<int>(n)); });
  for (;;) {
    ssize_t r = ::recv(fd_.get(), buf, n, 0);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EAGAIN && errno != EINTR) return fail(std::strerror(errno));
    if (!wait_fd(fd_.get(), POLLIN, deadline)) return fail("timeout");
  }
}

Result<std::string> Connection::read_line(Millis timeout, size_t max) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto nl = in_.find('\n');
    if (nl != std::string::npos) {
      if (nl > max) return fail("line from " + peer_ + " too long");
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (in_.size() > max) return fail("line from " + peer_ + " too long");
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return fail("timeout reading from " + peer_);
    char buf[8192];
    auto r = read_some(buf, sizeof buf, left);
    if (!r) return fail("read from " + peer_ + ": " + r.error().what);
    if (*r == 0) return fail("connection closed by " + peer_);
    in_.append(buf, *r);
  }
}

Result<TlsResult> Connection::start_tls(const TlsClientContext& ctx, const std::string& sni,
                                        const std::string& verify_name, Millis timeout) {
  in_.clear();  // nothing the server sent before the handshake may be trusted
  if (auto st = ctx.ensure(); !st) return fail("TLS with " + peer_ + ": " + st.error().what);
  ssl_.reset(SSL_new(ctx.get()));
  if (!ssl_) return fail("SSL_new: " + ssl_error_text());
  SSL_set_fd(ssl_.get(), fd_.get());
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl_.get(), sni.c_str());
  if (!verify_name.empty()) {
    SSL_set_hostflags(ssl_.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl_.get(), verify_name.c_str());
  }
  auto r = ssl_call(ssl_.get(), fd_.get(), std::chrono::steady_clock::now() + timeout,
                    [&] { return SSL_connect(ssl_.get()); });
  if (!r || *r == 0) {
    ssl_.reset();
    return fail("TLS handshake with " + peer_ + " failed: " + (r ? "connection closed" : r.error().what));
  }
  TlsResult t;
  t.protocol = SSL_get_version(ssl_.get());
  t.cipher = SSL_get_cipher_name(ssl_.get());
  X509* cert = SSL_get1_peer_certificate(ssl_.get());
  if (cert) {
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    t.peer_subject = buf;
    X509_free(cert);
  }
  long v = SSL_get_verify_result(ssl_.get());
  t.verified = cert && v == X509_V_OK;
  if (!t.verified) t.verify_error = cert ? X509_verify_cert_error_string(v) : "no peer certificate";
  return t;
}

bool Connection::quiet() const {
  if (!in_.empty() || (ssl_ && SSL_pending(ssl_.get()) > 0)) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace posta::smtpc
