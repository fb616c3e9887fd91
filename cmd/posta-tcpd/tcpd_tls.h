// posta-tcpd -T -M implicit: waiting for posta-tlsd -D to finish the handshake of a
// connection handed to it (lib/tls/tlsd_handoff) before starting the server. See posta-tcpd(8).
#pragma once
#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

#include "base/error.h"
#include "event/event_ptr.h"
#include "io/fd.h"
#include "tls/tls_control.h"
#include "tls/tlsd_handoff.h"

namespace posta::tcpd {

// -M implicit: how long to wait for the handshake's result. posta-tlsd's own handshake
// timeout (60 s by default) normally ends it first, with an ERR line.
inline constexpr int kTlsWaitSeconds = 90;

// -M implicit: waits (in the event loop) for tlsd's "OK\t..." line on the control channel.
class TlsWait {
 public:
  // Called once: the session facts, or why there are none (ERR, end of file, timeout).
  // It may destroy this TlsWait.
  using Done = std::function<void(Result<TlsInfo>)>;
  TlsWait(event_base* base, int control) : base_(base), control_(control) {}
  TlsWait(const TlsWait&) = delete;
  TlsWait& operator=(const TlsWait&) = delete;
  [[nodiscard]] Status start(Done done);

 private:
  static void on_read(evutil_socket_t fd, short what, void* self);

  event_base* base_;
  int control_;
  Done done_;
  EventPtr ev_;
  std::string line_;
};

}  // namespace posta::tcpd
