#include "tcpd_tls.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/fdpass.h"

namespace posta::tcpd {
namespace {

Result<std::pair<Fd, Fd>> socket_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_sys("unable to create a socketpair");
  return std::pair{Fd(sv[0]), Fd(sv[1])};
}

}  // namespace

Result<ServerEnds> hand_to_tlsd(const std::string& socket, bool implicit, int client,
                               const std::string& remote_ip) {
  auto data = socket_pair();
  if (!data) return std::unexpected(data.error());
  auto ctl = socket_pair();
  if (!ctl) return std::unexpected(ctl.error());
  auto tlsd = net::connect_unix(socket);
  if (!tlsd) return std::unexpected(tlsd.error());
  std::string header = std::string("posta-tlsd 1 ") + (implicit ? "implicit " : "starttls ") + remote_ip;
  auto sent = net::send_fds(tlsd->get(), header, {client, data->first.get(), ctl->first.get()});
  if (!sent) return std::unexpected(sent.error());
  return ServerEnds{std::move(data->second), std::move(ctl->second)};
}

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
