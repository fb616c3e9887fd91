// The protocol server's side of posta-tlsd: learn about TLS, ask for STARTTLS.
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

namespace posta {

struct TlsInfo {
  std::string protocol;      // "TLSv1.3"
  std::string cipher;        // "TLS_AES_256_GCM_SHA384"
  std::string sni;           // server name the client asked for, "" when none
  std::string peer_subject;  // client certificate subject (RFC 2253), "" when none
};

// The fd number from env POSTA_TLS_CONTROL; nullopt when not behind posta-tlsd -s (or the
// fd is not open). Marks the fd close-on-exec so that the server's children never inherit it.
std::optional<int> tls_control_fd();

// SSL_PROTOCOL, SSL_CIPHER, SSL_SNI, SSL_CLIENT_S_DN from the environment (implicit TLS via
// posta-tlsd -i); nullopt when SSL_PROTOCOL is unset.
std::optional<TlsInfo> tls_from_env();

// Asks tlsd to start TLS and blocks until the handshake is done or failed (or timeout).
// The caller has already written (and flushed) its go-ahead reply to fd 1. Plaintext still
// queued on fd 0 is discarded here; on success the caller also discards its own buffered
// input (LineReader::discard_buffered). On failure the caller should end the session.
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
