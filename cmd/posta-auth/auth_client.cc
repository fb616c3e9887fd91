// The check by posta-authd: one request, one answer over $POSTA_HOME/run/authd.sock
// (lib/accounts/auth_proto.h; man/posta-authd.8).
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts/auth_proto.h"
#include "auth.h"
#include "io/fd.h"
#include "log/log.h"
#include "net/fdpass.h"

namespace posta::auth {
namespace {

using accounts::AuthAnswer;
using Asked = Result<std::optional<AuthAnswer>>;

// Covers a hash queued behind others in a busy daemon; a daemon that takes longer is in
// trouble, and a second, direct check would only add to the load (111 instead).
constexpr int kAnswerTimeout = 30;

Asked not_there(const std::string& why) {
  log::warning("posta-authd not reachable (", why, "): checking the database directly");
  return std::optional<AuthAnswer>();
}

// A blocking connection with a receive timeout (a backlog so full that the connection
// would wait counts as "not reachable": the direct check serves meanwhile).
Result<Fd> connect_daemon(const std::string& path) {
  auto s = net::connect_unix(path);
  if (!s) return s;
  set_nonblock(s->get(), false);
  timeval t{kAnswerTimeout, 0};
  // (no send timeout: the request is a few hundred bytes into an empty socket buffer)
  (void)::setsockopt(s->get(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  return s;
}

// The answer holds the Maildir we chdir into and run the post-auth program in: only a
// daemon of root, of the instance owner (the owner of home: root in system mode) or of
// our own user counts.
bool trusted_peer(int fd, const std::string& home) {
  auto c = net::peer_cred(fd);
  if (!c) return false;
  if (c->uid == 0 || c->uid == ::geteuid()) return true;
  struct stat st;
  return ::stat(home.c_str(), &st) == 0 && c->uid == st.st_uid;
}

Status send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail_sys("send");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Reads the answer frame, header and payload, with as few reads as it arrives in (one,
// as the daemon sends it in one piece). hung_up: the daemon closed without a byte.
Result<std::string> read_answer(int fd, bool& hung_up) {
  constexpr size_t kHeader = accounts::kAuthFrameHeader;
  char buf[kHeader + accounts::kMaxAuthAnswer + 1];  // one byte more: to see bytes after it
  size_t got = 0, want = kHeader;
  hung_up = false;
  while (got < want) {
    ssize_t r = ::read(fd, buf + got, sizeof buf - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return fail("no answer within " + std::to_string(kAnswerTimeout) + " s");
    if (r <= 0) {
      hung_up = got == 0 && (r == 0 || errno == ECONNRESET);
      if (r < 0) return fail_sys("read");
      return fail(got == 0 ? "end of file" : "truncated answer", 0);
    }
    got += static_cast<size_t>(r);
    if (want == kHeader && got >= kHeader) {
      auto len = accounts::auth_frame_length(std::string_view(buf, kHeader), accounts::kMaxAuthAnswer);
      if (!len) return std::unexpected(len.error());
      want = kHeader + *len;
    }
  }
  if (got > want) return fail("bytes after the answer");
  return std::string(buf + kHeader, got - kHeader);
}

}  // namespace

Result<std::optional<AuthAnswer>> ask_daemon(const std::string& home, const accounts::AuthRequest& req) {
  std::string path = home + "/run/authd.sock";
  auto s = connect_daemon(path);
  if (!s) return not_there(path + ": " + s.error().what);
  if (!trusted_peer(s->get(), home)) {
    log::warning(path, " is not served by root or the instance owner; ignoring it");
    return not_there("untrusted socket");
  }
  auto frame = accounts::encode_auth_request(req);
  if (!frame) return not_there(frame.error().what);
  auto sent = send_all(s->get(), *frame);
  explicit_bzero(frame->data(), frame->size());
  if (!sent) return not_there("request not sent: " + sent.error().what);
  bool hung_up = false;
  auto payload = read_answer(s->get(), hung_up);
  // It hung up before answering (stopping, or refused us): nothing was decided.
  if (!payload && hung_up) return not_there("hung up");
  if (!payload) return fail("posta-authd: " + payload.error().what);
  auto answer = accounts::decode_auth_answer(*payload);
  if (!answer) return fail("posta-authd: bad answer: " + answer.error().what);
  return std::optional<AuthAnswer>(std::move(*answer));
}

}  // namespace posta::auth
