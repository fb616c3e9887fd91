#include "policy/policy_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/deadline.h"
#include "net/fdpass.h"

namespace posta::policy {

std::string policy_socket(const std::string& home) { return home + "/run/policy.sock"; }

// posta-policyd closes connections that stay idle (-t): a kept connection that fails is
// tried once more on a fresh one.
Result<Answer> PolicyClient::ask(const Request& r) {
  bool kept = static_cast<bool>(fd_);
  auto a = ask_once(r);
  if (!a && kept) a = ask_once(r);
  return a;
}

Result<Answer> PolicyClient::ask_once(const Request& r) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout_;
  if (!fd_) {
    auto c = net::connect_unix(socket_);
    if (!c) return std::unexpected(c.error());
    fd_ = std::move(*c);
    buffered_.clear();
  }
  auto broken = [&](Error e) -> Result<Answer> {
    fd_ = Fd();
    return std::unexpected(std::move(e));
  };
  if (auto st = write_all_timed(fd_.get(), encode_request(r) + "\n", timeout_); !st)
    return broken(Error{"posta-policyd: " + st.error().what, st.error().code});
  for (;;) {
    auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      auto a = decode_answer(line);
      if (!a) return broken(a.error());
      return a;
    }
    if (buffered_.size() >= kMaxPolicyLine) return broken(Error{"posta-policyd: answer too long"});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd_.get(), POLLIN, 0};
    int n = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return broken(Error{"posta-policyd: no answer in time"});
    char buf[512];
    ssize_t got = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) return broken(Error{"posta-policyd: connection closed"});
    buffered_.append(buf, static_cast<size_t>(got));
  }
}

}  // namespace posta::policy
