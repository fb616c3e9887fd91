#include "tls/tls_control.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "io/fd.h"
#include "net/fdpass.h"
#include "tls/tlsd_handoff.h"

namespace posta {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string clean_field(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r' || c == '\0') c = ' ';
  return s;
}

// Reads one LF-terminated line (byte by byte: nothing after it may be consumed).
Result<std::string> read_ctl_line(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("timeout waiting for posta-tlsd", ETIMEDOUT);
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("poll on TLS control fd");
    if (r == 0) continue;
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_sys("read from TLS control fd");
    if (n == 0) return fail("posta-tlsd closed the control channel");
    if (c == '\n') return line;
    if (line.size() >= 4096) return fail("overlong line from posta-tlsd");
    line.push_back(c);
  }
}

// The control fd is a socket: MSG_NOSIGNAL spares callers that did not ignore SIGPIPE.
Status send_ctl(int fd, std::string_view msg) {
  while (!msg.empty()) {
    ssize_t n = ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_sys("write to TLS control fd");
    msg.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Throws away every byte queued on fd without blocking.
void drain_fd(int fd) {
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || !(p.revents & POLLIN)) return;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
  }
}

std::optional<int> control_fd_from_env() {
  const char* v = std::getenv("POSTA_TLS_CONTROL");
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  long fd = std::strtol(v, &end, 10);
  if (*end || fd < 0 || fd > 1 << 20) return std::nullopt;
  int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
  if (flags < 0) return std::nullopt;  // not open: not behind posta-tlsd -s after all
  if (!(flags & FD_CLOEXEC)) ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
  return static_cast<int>(fd);
}

// Direct STARTTLS: the client socket on fd 0/1 goes to posta-tlsd, whose plain end replaces it.
Result<TlsInfo> start_direct(Fd tlsd, std::chrono::milliseconds timeout) {
  auto ends = hand_to_tlsd(std::move(tlsd), true, 0, env_or_empty("TCPREMOTEIP"));
  if (!ends) return std::unexpected(ends.error());
  auto line = read_ctl_line(ends->control.get(), timeout);
  if (!line) return std::unexpected(line.error());
  auto info = parse_tls_reply(*line);
  if (!info) return info;
  if (::dup2(ends->data.get(), 0) < 0 || ::dup2(ends->data.get(), 1) < 0)
    return fail_sys("unable to take over posta-tlsd's socket");
  return info;
}

}  // namespace

std::optional<StartTls> StartTls::from_env() {
  StartTls t;
  if (const char* s = std::getenv("POSTA_TLSD_SOCKET"); s && *s) {
    t.tlsd_socket_ = s;
    return t;
  }
  auto fd = control_fd_from_env();
  if (!fd) return std::nullopt;
  t.control_fd_ = *fd;
  return t;
}

Status StartTls::prepare() {
  if (tlsd_socket_.empty() || tlsd_conn_) return {};
  auto c = net::connect_unix(tlsd_socket_);
  if (!c) return std::unexpected(c.error());
  tlsd_conn_ = std::move(*c);
  return {};
}

Result<TlsInfo> StartTls::start(std::chrono::milliseconds timeout) {
  if (!tlsd_socket_.empty()) {
    if (auto st = prepare(); !st) return std::unexpected(st.error());
    return start_direct(std::move(tlsd_conn_), timeout);
  }
  return start_tls(control_fd_, timeout);
}

std::optional<TlsInfo> tls_from_env() {
  std::string proto = env_or_empty("SSL_PROTOCOL");
  if (proto.empty()) return std::nullopt;
  return TlsInfo{proto, env_or_empty("SSL_CIPHER"), env_or_empty("SSL_SNI"),
                 env_or_empty("SSL_CLIENT_S_DN")};
}

std::vector<std::string> tls_env_vars(const TlsInfo& info) {
  std::vector<std::string> env{"SSL_PROTOCOL=" + info.protocol, "SSL_CIPHER=" + info.cipher,
                               "SSL_SNI=" + info.sni};
  if (!info.peer_subject.empty()) env.push_back("SSL_CLIENT_S_DN=" + info.peer_subject);
  return env;
}

std::string format_tls_ok(const TlsInfo& info) {
  return "OK\t" + clean_field(info.protocol) + "\t" + clean_field(info.cipher) + "\t" +
         clean_field(info.sni) + "\t" + clean_field(info.peer_subject) + "\n";
}

Result<TlsInfo> parse_tls_reply(const std::string& line) {
  if (line.starts_with("ERR")) {
    std::string why = line.size() > 4 ? line.substr(4) : "unknown error";
    return fail("TLS handshake failed: " + why);
  }
  if (!line.starts_with("OK\t")) return fail("malformed reply from posta-tlsd");
  std::string fields[4];
  size_t pos = 3;
  for (int i = 0; i < 4; ++i) {
    size_t tab = line.find('\t', pos);
    if (i < 3 && tab == std::string::npos) return fail("malformed reply from posta-tlsd");
    fields[i] = line.substr(pos, i < 3 ? tab - pos : std::string::npos);
    pos = tab + 1;
  }
  if (fields[0].empty()) return fail("malformed reply from posta-tlsd");
  return TlsInfo{fields[0], fields[1], fields[2], fields[3]};
}

Result<TlsInfo> start_tls(int ctl_fd, std::chrono::milliseconds timeout, int data_fd) {
  if (auto st = send_ctl(ctl_fd, "STARTTLS\n"); !st) return std::unexpected(st.error());
  auto line = read_ctl_line(ctl_fd, timeout);
  if (!line) return std::unexpected(line.error());
  auto info = parse_tls_reply(*line);
  if (!info) return info;
  // tlsd relayed no plaintext since it read STARTTLS; whatever is queued is injected.
  drain_fd(data_fd);
  if (auto st = send_ctl(ctl_fd, "GO\n"); !st) return std::unexpected(st.error());
  return info;
}

}  // namespace posta
