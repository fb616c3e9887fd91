// Handing a client connection to the long-lived posta-tlsd -D over its unix socket:
// posta-tcpd does it at accept time (implicit TLS), a protocol server does it when its
// client asks for STARTTLS (the connection was plain and direct until then).
#pragma once
#include <string>

#include "base/error.h"
#include "io/fd.h"

namespace posta {

// The protocol server's ends after a handoff: plain text on data (its fd 0/1 from then on)
// and tlsd's one-line reports on control (tls_control.h).
struct TlsdEnds {
  Fd data;
  Fd control;
};

// Makes the data and control socketpairs, connects to posta-tlsd's socket and passes it the
// client socket and tlsd's ends ("posta-tlsd 1 implicit|starttls REMOTEIP"). Our copies of
// tlsd's ends are closed on return; the client socket stays the caller's to close.
[[nodiscard]] Result<TlsdEnds> hand_to_tlsd(const std::string& socket, bool implicit, int client,
                                           const std::string& remote_ip);
// The same over a connection to posta-tlsd's socket made beforehand (StartTls::prepare).
[[nodiscard]] Result<TlsdEnds> hand_to_tlsd(Fd tlsd, bool implicit, int client, const std::string& remote_ip);

}  // namespace posta
