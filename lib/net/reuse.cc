#include "net/reuse.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace posta::net {
namespace {

constexpr std::string_view kMagic{"posta-conn 1\0", 13};

bool valid_entry(std::string_view e) {
  size_t eq = e.find('=');
  return eq != std::string_view::npos && eq > 0 && e.find('\0') == std::string_view::npos;
}

}  // namespace

Result<std::string> encode_conn_record(const std::vector<std::string>& env) {
  std::string r(kMagic);
  for (auto& e : env) {
    if (!valid_entry(e)) return fail("bad environment entry for a reused server");
    r += e;
    r += '\0';
  }
  if (r.size() > kMaxConnRecord) return fail("connection environment too large");
  return r;
}

Result<std::vector<std::string>> decode_conn_record(std::string_view record) {
  if (!record.starts_with(kMagic)) return fail("not a posta-conn record");
  if (record.size() > kMaxConnRecord) return fail("connection record too large");
  record.remove_prefix(kMagic.size());
  std::vector<std::string> env;
  while (!record.empty()) {
    size_t nul = record.find('\0');
    if (nul == std::string_view::npos) return fail("unterminated entry in a posta-conn record");
    std::string_view e = record.substr(0, nul);
    if (!valid_entry(e)) return fail("bad entry in a posta-conn record");
    env.emplace_back(e);
    record.remove_prefix(nul + 1);
  }
  return env;
}

std::vector<std::string> overlay_env(const std::vector<std::string>& base,
                                     const std::vector<std::string>& env) {
  std::set<std::string, std::less<>> names;
  for (auto& e : env) names.insert(e.substr(0, e.find('=')));
  std::vector<std::string> out;
  out.reserve(base.size() + env.size());
  for (auto& e : base)
    if (!names.contains(std::string_view(e).substr(0, e.find('=')))) out.push_back(e);
  for (auto& e : env) out.push_back(e);
  return out;
}

Result<std::pair<Fd, Fd>> seqpacket_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_sys("unable to create a socketpair");
  return std::pair{Fd(sv[0]), Fd(sv[1])};
}

Status send_conn(int control, int sock, const std::vector<std::string>& env) {
  auto rec = encode_conn_record(env);
  if (!rec) return std::unexpected(rec.error());
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{rec->data(), rec->size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &sock, sizeof sock);
  ssize_t n;
  do n = ::sendmsg(control, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail_sys("unable to pass the connection to a reused server");
  if (static_cast<size_t>(n) != rec->size()) return fail("short send to a reused server");
  return {};
}

Result<PassedConn> recv_conn(int control) {
  std::string buf(kMaxConnRecord, '\0');
  // room for a few fds: any more than one is an error, but they must still be closed
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * 4)] = {};
  iovec iov{buf.data(), buf.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = ::recvmsg(control, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail_sys("unable to receive a connection");
  std::vector<Fd> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  if (n == 0 && fds.empty()) return fail("end of file", 0);
  if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return fail("truncated posta-conn record");
  if (fds.size() != 1) return fail("a posta-conn record needs exactly one fd");
  auto env = decode_conn_record(std::string_view(buf).substr(0, static_cast<size_t>(n)));
  if (!env) return std::unexpected(env.error());
  return PassedConn{std::move(fds[0]), std::move(*env)};
}

}  // namespace posta::net
