// The protocol server's side of posta-tlsd: learn about TLS, ask for STARTTLS.
//
// Two ways to get TLS on request (StartTls::from_env picks the one the environment says):
// - Direct (POSTA_TLSD_SOCKET=path, posta-tcpd -T -M starttls): the server holds the client
//   socket on fd 0/1 and, on STARTTLS, hands it to posta-tlsd -D as an implicit-TLS
//   connection (lib/tls/tlsd_handoff), waits for "OK\t..." on the control channel it made,
//   and puts tlsd's plain socketpair on fd 0/1. Plain text the client sent after the command
//   is either in the server's own buffer (discarded by the caller) or reaches tlsd's
//   handshake and fails it: it is never read as a command.
// - Relayed (POSTA_TLS_CONTROL=fd, posta-tlsd -s per connection): tlsd relays plain text
//   from the start and is asked over the control fd:
//
// Wire protocol on the control fd (a SOCK_STREAM socketpair, env POSTA_TLS_CONTROL=fd),
// one LF-terminated line per message, documented in posta-tlsd(8):
//   server -> tlsd  "STARTTLS\n"   after the go-ahead reply has been written to fd 1.
//                   tlsd stops relaying client plaintext, drops what it has not relayed,
//                   sends the go-ahead in plain text, then does the handshake.
//   tlsd -> server  "OK\tPROTOCOL\tCIPHER\tSNI\tPEER_SUBJECT\n"   handshake done, or
//                   "ERR text\n" (tlsd then closes the connection).
//   server -> tlsd  "GO\n"         after discarding every plaintext byte still queued on fd 0;
//                   only now does tlsd relay decrypted client data to fd 0.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "io/fd.h"

namespace posta {

struct TlsInfo {
  std::string protocol;      // "TLSv1.3"
  std::string cipher;        // "TLS_AES_256_GCM_SHA384"
  std::string sni;           // server name the client asked for, "" when none
  std::string peer_subject;  // client certificate subject (RFC 2253), "" when none
};

// How this server gets TLS when its client asks for it.
class StartTls {
 public:
  // From POSTA_TLSD_SOCKET (direct) or POSTA_TLS_CONTROL (relayed; the fd is marked
  // close-on-exec so that the server's children never inherit it); nullopt when neither is
  // set (or the control fd is not open): no STARTTLS to offer.
  static std::optional<StartTls> from_env();

  // Call before the go-ahead reply: in direct mode, connects to posta-tlsd's socket now, so
  // that a posta-tlsd that is down costs the client a temporary refusal (454, NO, -ERR) and
  // not a closed connection after the go-ahead; start() then uses this connection.
  [[nodiscard]] Status prepare();

  // Starts TLS and blocks until the handshake is done or failed (or timeout). The caller has
  // already written (and flushed) its go-ahead reply to fd 1; on success it discards its own
  // buffered input (LineReader::discard_buffered). On failure the caller ends the session.
  [[nodiscard]] Result<TlsInfo> start(std::chrono::milliseconds timeout = std::chrono::seconds(300));

 private:
  int control_fd_ = -1;     // relayed
  std::string tlsd_socket_;  // direct
  Fd tlsd_conn_;             // direct, after prepare()
};

// SSL_PROTOCOL, SSL_CIPHER, SSL_SNI, SSL_CLIENT_S_DN from the environment (implicit TLS via
// posta-tlsd -i); nullopt when SSL_PROTOCOL is unset.
std::optional<TlsInfo> tls_from_env();

// Relayed STARTTLS over ctl_fd (what StartTls::start does for POSTA_TLS_CONTROL). Plain
// text still queued on data_fd is discarded here.
[[nodiscard]] Result<TlsInfo> start_tls(int ctl_fd,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(300),
                                        int data_fd = 0);

// "SSL_PROTOCOL=...", "SSL_CIPHER=...", "SSL_SNI=..." and, with a client certificate,
// "SSL_CLIENT_S_DN=...": what tls_from_env() reads (set by posta-tlsd -i or posta-tcpd -T).
std::vector<std::string> tls_env_vars(const TlsInfo& info);

// Helpers shared with posta-tlsd (and unit tests).
std::string format_tls_ok(const TlsInfo& info);
[[nodiscard]] Result<TlsInfo> parse_tls_reply(const std::string& line);

}  // namespace posta
