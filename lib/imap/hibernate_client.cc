// posta-imapd's side of posta-imap-hibernate's socket (lib/imap/hibernation.h).
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/hibernation.h"
#include "io/deadline.h"
#include "io/fd.h"
#include "net/fdpass.h"

namespace posta::imap {

std::string hibernate_socket(const std::string& home) { return home + "/run/imap-hibernate.sock"; }

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
}

Status hand_to_hibernation(const std::string& socket, std::string_view state, const std::vector<int>& fds,
                           std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  auto s = net::connect_unix(socket);  // non-blocking: a full backlog fails at once
  if (!s) return std::unexpected(s.error());
  if (!wait_fd(s->get(), POLLOUT, until)) return fail("posta-imap-hibernate does not accept", ETIMEDOUT);
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(s->get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err) return fail_sys("connect", err);
  if (auto st = net::send_fds(s->get(), hibernate_frame_header(state.size(), static_cast<int>(fds.size())), fds); !st)
    return st;
  if (auto st = write_all_timed(s->get(), state, timeout); !st) return st;
  std::string answer;
  char buf[256];
  while (answer.find('\n') == std::string::npos) {
    if (!wait_fd(s->get(), POLLIN, until)) return fail("no answer from posta-imap-hibernate", ETIMEDOUT);
    ssize_t n = ::recv(s->get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return fail_sys("recv");
    if (n == 0) return fail("posta-imap-hibernate closed the connection");
    answer.append(buf, static_cast<size_t>(n));
    if (answer.size() > 1024) return fail("answer too long");
  }
  answer.resize(answer.find('\n'));
  if (answer == "ok") return {};
  return fail("refused: " + (answer.starts_with("no ") ? answer.substr(3) : answer));
}

}  // namespace posta::imap
