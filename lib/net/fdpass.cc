#include "net/fdpass.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace posta::net {
namespace {

Result<sockaddr_un> unix_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) return fail("socket path too long: " + path);
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

}  // namespace

Status send_fds(int sock, std::string_view header, const std::vector<int>& fds, int flags, size_t max_header) {
  if (header.empty() || header.size() > max_header || fds.size() > kMaxPassFds)
    return fail("bad fd-passing message");
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxPassFds)] = {};
  iovec iov{const_cast<char*>(header.data()), header.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (!fds.empty()) {
    m.msg_control = cbuf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do n = ::sendmsg(sock, &m, MSG_NOSIGNAL | flags);
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail_sys("unable to pass the connection");
  if (static_cast<size_t>(n) != header.size()) return fail("short write passing the connection");
  return {};
}

namespace {

// The fds a received message carries, appended to fds (owned from here on).
void take_fds(msghdr& m, std::vector<Fd>& fds) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
}

}  // namespace

ssize_t recv_some(int sock, std::string& data, std::vector<Fd>& fds) {
  char buf[16384];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassFds)];
  iovec iov{buf, sizeof buf};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return n;
  take_fds(m, fds);
  if (m.msg_flags & MSG_CTRUNC) {
    errno = EMSGSIZE;
    return -1;
  }
  data.append(buf, static_cast<size_t>(n));
  return n;
}

Result<Passed> recv_fds(int sock, size_t max_header) {
  std::string buf(max_header, '\0');
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxPassFds)] = {};
  iovec iov{buf.data(), buf.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = ::recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail_sys("unable to receive a connection");
  Passed p;
  take_fds(m, p.fds);
  if (n == 0) return fail("end of file", 0);
  if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return fail("truncated fd-passing message");
  if (p.fds.size() > kMaxPassFds) return fail("too many fds passed");
  buf.resize(static_cast<size_t>(n));
  p.header = std::move(buf);
  return p;
}

Result<std::pair<Fd, Fd>> socket_pair(int type) {
  int sv[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_sys("unable to create a socketpair");
  return std::pair{Fd(sv[0]), Fd(sv[1])};
}

Result<Fd> connect_unix(const std::string& path) {
  auto a = unix_addr(path);
  if (!a) return std::unexpected(a.error());
  Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return fail_sys("unable to create a unix socket");
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&*a), sizeof *a) != 0)
    return fail_sys("unable to connect to " + path);
  return s;
}

Result<Fd> listen_unix(const std::string& path, int mode, int backlog) {
  auto a = unix_addr(path);
  if (!a) return std::unexpected(a.error());
  Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return fail_sys("unable to create a unix socket");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + path);
  mode_t old = ::umask(0777 & ~mode);
  int r = ::bind(s.get(), reinterpret_cast<sockaddr*>(&*a), sizeof *a);
  ::umask(old);
  if (r != 0) return fail_sys("unable to bind to " + path);
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) return fail_sys("unable to chmod " + path);
  if (::listen(s.get(), backlog) != 0) return fail_sys("unable to listen on " + path);
  return s;
}

Result<Fd> listen_unix_for(const std::string& path, std::optional<gid_t> group) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec) && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return fail_sys("unable to create " + dir.string());
  auto listener = listen_unix(path, group ? 0660 : 0600);
  if (!listener) return listener;
  if (group && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0)
    return fail_sys("unable to give " + path + " to group " + std::to_string(*group));
  return listener;
}

Result<PeerCred> peer_cred(int sock) {
  ucred c{};
  socklen_t len = sizeof c;
  if (::getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0) return fail_sys("SO_PEERCRED");
  return PeerCred{c.uid, c.gid};
}

Result<PeerCred> allowed_peer(int sock, std::optional<gid_t> group) {
  auto c = peer_cred(sock);
  if (!c) return c;
  if (c->uid == 0 || c->uid == ::geteuid() || (group && c->gid == *group)) return c;
  return fail("refused a connection from uid " + std::to_string(c->uid) + " gid " + std::to_string(c->gid), EPERM);
}

}  // namespace posta::net
