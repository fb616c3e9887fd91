// Passing file descriptors over AF_UNIX stream sockets (SCM_RIGHTS), with a short header.
// posta-tcpd hands each accepted TLS connection to the long-lived posta-tlsd this way.
#pragma once
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "io/fd.h"

namespace posta::net {

// At most this many fds and header bytes per message.
inline constexpr size_t kMaxPassFds = 4;
inline constexpr size_t kMaxPassHeader = 1024;

struct Passed {
  std::string header;
  std::vector<Fd> fds;
};

// One sendmsg() of header (non-empty, at most max_header bytes) with fds attached and
// MSG_NOSIGNAL plus flags (e.g. MSG_DONTWAIT); fails on a short send.
[[nodiscard]] Status send_fds(int sock, std::string_view header, const std::vector<int>& fds, int flags = 0,
                              size_t max_header = kMaxPassHeader);

// One recvmsg() of at most max_header bytes: the header and the fds that came with it
// (close-on-exec). Fails on end of file (error code 0), a truncated message or control data,
// or more than kMaxPassFds fds (all closed).
[[nodiscard]] Result<Passed> recv_fds(int sock, size_t max_header = kMaxPassHeader);

// One non-blocking recvmsg() of up to 16 KiB on a stream that carries a longer message:
// the bytes appended to data, the fds (close-on-exec) to fds. The byte count, 0 at end of
// file, -1 with errno (EAGAIN: nothing yet; EMSGSIZE: more fds than kMaxPassFds came, the
// ones that fit are in fds).
ssize_t recv_some(int sock, std::string& data, std::vector<Fd>& fds);

// A connected pair of AF_UNIX sockets of type (SOCK_STREAM, SOCK_SEQPACKET), both
// close-on-exec.
[[nodiscard]] Result<std::pair<Fd, Fd>> socket_pair(int type = SOCK_STREAM);

// A non-blocking connect() to the unix socket at path (close-on-exec).
[[nodiscard]] Result<Fd> connect_unix(const std::string& path);

// socket, bind, listen on path (an old socket file there is replaced), close-on-exec,
// non-blocking; mode is applied to the socket file.
[[nodiscard]] Result<Fd> listen_unix(const std::string& path, int mode, int backlog = 512);

// listen_unix for a daemon's socket: its directory is made (0755) when missing; the socket
// is mode 0660 and of group when one is given, else 0600.
[[nodiscard]] Result<Fd> listen_unix_for(const std::string& path, std::optional<gid_t> group);

// The peer's uid and gid (SO_PEERCRED).
struct PeerCred {
  uid_t uid;
  gid_t gid;
};
[[nodiscard]] Result<PeerCred> peer_cred(int sock);

// The peer of a daemon's socket (listen_unix_for) when it may talk to the daemon: root, our
// own effective user, or a process whose group is group; otherwise an error that says who
// it was.
[[nodiscard]] Result<PeerCred> allowed_peer(int sock, std::optional<gid_t> group);

}  // namespace posta::net
