#include "tcpd_tls.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace posta::tcpd {

Status TlsWait::start(Done done) {
  done_ = std::move(done);
  ev_.reset(event_new(base_, control_, EV_READ | EV_PERSIST, on_read, this));
  timeval t{kTlsWaitSeconds, 0};
  if (!ev_ || event_add(ev_.get(), &t) != 0) return fail("unable to watch the TLS control channel");
  return {};
}

// The reply is one short line; tlsd writes nothing else before the server starts.
void TlsWait::on_read(evutil_socket_t fd, short what, void* self) {
  auto* w = static_cast<TlsWait*>(self);
  if (what & EV_TIMEOUT) return w->done_(fail("timeout waiting for the TLS handshake"));
  char buf[512];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return w->done_(fail("posta-tlsd closed the connection"));
  w->line_.append(buf, static_cast<size_t>(n));
  size_t nl = w->line_.find('\n');
  if (nl == std::string::npos) {
    if (w->line_.size() > 4096) return w->done_(fail("overlong line from posta-tlsd"));
    return;
  }
  return w->done_(parse_tls_reply(w->line_.substr(0, nl)));
}

}  // namespace posta::tcpd
