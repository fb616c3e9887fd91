// posta-tcpd -R: one server process serves several connections, one after the other.
//
// posta-tcpd starts the server with POSTA_TCPD_REUSE=1 in its environment, /dev/null on fds
// 0 and 1 and one end of a SOCK_SEQPACKET socketpair on fd 3 (the control socket). Records:
//   tcpd -> server  "posta-conn 1\0NAME=value\0NAME=value\0..." with the connection socket
//                   attached (SCM_RIGHTS, exactly one fd): the connection's variables
//                   (PROTO, TCP*, what the rules set, POSTA_TLSD_SOCKET, SSL_*), to apply on
//                   top of the environment the server was started with.
//   server -> tcpd  "done" once the server has closed the connection; it is idle again.
// End of file on the control socket tells an idle server to exit. A server that will not
// serve again (it ended abnormally) exits without "done": tcpd learns it from SIGCHLD.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "io/fd.h"

namespace posta::net {

inline constexpr int kReuseControlFd = 3;
inline constexpr const char* kReuseEnvName = "POSTA_TCPD_REUSE";
inline constexpr size_t kMaxConnRecord = 32768;
inline constexpr std::string_view kDoneRecord = "done";

// The record's bytes for env ("NAME=value" entries); fails on an entry without a name, with
// a NUL, or a record over kMaxConnRecord.
[[nodiscard]] Result<std::string> encode_conn_record(const std::vector<std::string>& env);
// The entries of a record, checked as encode_conn_record checks them.
[[nodiscard]] Result<std::vector<std::string>> decode_conn_record(std::string_view record);

// base without the entries whose names env has, then env: a child's environment.
std::vector<std::string> overlay_env(const std::vector<std::string>& base,
                                     const std::vector<std::string>& env);

struct PassedConn {
  Fd sock;
  std::vector<std::string> env;
};

// tcpd: one record with sock attached.
[[nodiscard]] Status send_conn(int control, int sock, const std::vector<std::string>& env);
// server: blocks for the next connection; Error::code 0 at end of file.
[[nodiscard]] Result<PassedConn> recv_conn(int control);

}  // namespace posta::net
