#include "tls/tlsd_handoff.h"

#include <sys/socket.h>

#include <utility>

#include "net/fdpass.h"

namespace posta {
namespace {

Result<std::pair<Fd, Fd>> socket_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_sys("unable to create a socketpair");
  return std::pair{Fd(sv[0]), Fd(sv[1])};
}

}  // namespace

Result<TlsdEnds> hand_to_tlsd(const std::string& socket, bool implicit, int client,
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
  return TlsdEnds{std::move(data->second), std::move(ctl->second)};
}

}  // namespace posta
