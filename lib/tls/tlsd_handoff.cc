#include "tls/tlsd_handoff.h"

#include <utility>

#include "net/fdpass.h"

namespace posta {
Result<TlsdEnds> hand_to_tlsd(const std::string& socket, bool implicit, int client,
                              const std::string& remote_ip) {
  auto tlsd = net::connect_unix(socket);
  if (!tlsd) return std::unexpected(tlsd.error());
  return hand_to_tlsd(std::move(*tlsd), implicit, client, remote_ip);
}

Result<TlsdEnds> hand_to_tlsd(Fd tlsd, bool implicit, int client, const std::string& remote_ip) {
  auto data = net::socket_pair();
  if (!data) return std::unexpected(data.error());
  auto ctl = net::socket_pair();
  if (!ctl) return std::unexpected(ctl.error());
  std::string header = std::string("posta-tlsd 1 ") + (implicit ? "implicit " : "starttls ") + remote_ip;
  auto sent = net::send_fds(tlsd.get(), header, {client, data->first.get(), ctl->first.get()});
  if (!sent) return std::unexpected(sent.error());
  return TlsdEnds{std::move(data->second), std::move(ctl->second)};
}

}  // namespace posta
