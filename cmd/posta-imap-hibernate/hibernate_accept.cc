// Taking a session over: the frame on the socket (lib/imap/hibernation.h), checked before
// anything is kept. A peer that is not the mail store owner (or root), a malformed frame or
// state, a wrong number of fds, or a full house: "no <reason>", and the imapd keeps its
// session.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "hibernate_server.h"
#include "imap/hibernation.h"
#include "log/log.h"
#include "net/fdpass.h"

namespace posta::hibernate {
namespace {

constexpr size_t kMaxIncoming = 64;  // handovers in progress at once
constexpr int kIncomingTimeout = 5;  // seconds for a whole frame

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Server::accept_all() {
  for (;;) {
    Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        log::warning("unable to accept: ", std::strerror(errno));
      return;
    }
    if (auto peer = net::allowed_peer(fd.get(), std::nullopt); !peer) {
      log::warning(peer.error().what);
      continue;
    }
    if (incoming_.size() >= kMaxIncoming) {
      (void)!::send(fd.get(), "no busy\n", 8, MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    auto in = std::make_unique<Incoming>();
    Incoming* p = in.get();
    in->server = this;
    in->sock = std::move(fd);
    in->started_ms = steady_ms();
    in->ev.reset(event_new(base_.get(), in->sock.get(), EV_READ | EV_PERSIST, &Server::incoming_cb, p));
    timeval tv{kIncomingTimeout, 0};
    if (!in->ev || event_add(in->ev.get(), &tv) != 0) continue;
    incoming_[p] = std::move(in);
  }
}

void Server::incoming_cb(evutil_socket_t, short what, void* arg) {
  auto* in = static_cast<Incoming*>(arg);
  in->server->read_incoming(in, what);
}

void Server::read_incoming(Incoming* in, short what) {
  if ((what & EV_TIMEOUT) || steady_ms() - in->started_ms > kIncomingTimeout * 1000) {
    log::warning("handover refused: no complete frame within ", kIncomingTimeout, " s");
    return finish_incoming(in, "no timeout");
  }
  ssize_t n = net::recv_some(in->sock.get(), in->data, in->fds);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n < 0) {
    log::warning("handover: ", std::strerror(errno));
    return finish_incoming(in, "");
  }
  if (in->fds.size() > 2) {
    log::warning("handover refused: more than 2 fds");
    return finish_incoming(in, "no too many fds");
  }
  auto nl = in->data.find('\n');
  if (nl == std::string::npos) {
    if (n == 0 || in->data.size() > 64) {
      log::warning("handover refused: no frame header");
      return finish_incoming(in, "no malformed frame header");
    }
    return;
  }
  auto header = imap::parse_hibernate_frame_header(std::string_view(in->data).substr(0, nl));
  if (!header) {
    log::warning("handover refused: ", header.error().what);
    return finish_incoming(in, "no malformed frame header");
  }
  auto [length, nfds] = *header;
  size_t have = in->data.size() - nl - 1;
  if (have < length) {
    if (n == 0) {
      log::warning("handover refused: truncated state");
      return finish_incoming(in, "no truncated state");
    }
    return;
  }
  if (have > length) {
    log::warning("handover refused: bytes after the state");
    return finish_incoming(in, "no bytes after the state");
  }
  if (auto st = adopt(*in, nl + 1, length, nfds); !st) {
    log::warning("handover refused: ", st.error().what);
    return finish_incoming(in, "no " + st.error().what);
  }
  finish_incoming(in, "ok");
}

// Answers (when there is an answer) and forgets the handover; its fds, unless adopted,
// are closed with it.
void Server::finish_incoming(Incoming* in, std::string_view answer) {
  if (!answer.empty()) {
    std::string line = std::string(answer) + "\n";
    (void)!::send(in->sock.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  incoming_.erase(in);
}

Status Server::adopt(Incoming& in, size_t header_len, size_t length, int nfds) {
  if (in.fds.size() != static_cast<size_t>(nfds)) return fail("the frame names " + std::to_string(nfds) + " fds, " +
                                                               std::to_string(in.fds.size()) + " came");
  struct stat st {};
  if (::fstat(in.fds[0].get(), &st) != 0 || !S_ISSOCK(st.st_mode)) return fail("the client fd is not a socket");
  std::string_view text = std::string_view(in.data).substr(header_len, length);
  auto state = imap::parse_hibernated(text);
  if (!state) return std::unexpected(state.error());
  if (stopping_) return fail("stopping");
  if (sleepers_.size() >= static_cast<size_t>(o_.max_sessions)) return fail("full");
  auto s = std::make_unique<Sleeper>();
  Sleeper* p = s.get();
  s->server = this;
  s->in = std::move(in.fds[0]);
  if (nfds == 2) s->out = std::move(in.fds[1]);
  s->state.assign(text);
  s->ev.reset(event_new(base_.get(), s->in.get(), EV_READ, &Server::client_cb, p));
  if (!s->ev) return fail("unable to create an event");
  int64_t now = steady_ms();
  s->wake_at_ms = std::min<int64_t>(state->idle_end_ms, now + int64_t{o_.max_sleep} * 1000);
  if (const auto& m = state->mailbox) {
    if (auto w = watch(*s, m->dir); !w) return w;
    // changed between the imapd's last look and the watches: wake at once
    if (imap::mtime_ns(m->dir + "/new") != m->new_mtime_ns || imap::mtime_ns(m->dir + "/cur") != m->cur_mtime_ns)
      s->wake_at_ms = now;
  }
  sleepers_[p] = std::move(s);
  arm(*p, std::max<int64_t>(0, p->wake_at_ms - now));
  return {};
}

}  // namespace posta::hibernate
