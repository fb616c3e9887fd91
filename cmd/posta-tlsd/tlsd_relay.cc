// Relaying bytes between the client and the protocol server, with bounded buffers.
#include "tlsd_relay.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"

namespace posta::tlsd {
namespace {

evbuffer* in(bufferevent* b) { return bufferevent_get_input(b); }
evbuffer* out(bufferevent* b) { return bufferevent_get_output(b); }

constexpr size_t kServerRead = 64 * 1024;

}  // namespace

EventBasePtr new_event_base() {
  event_config* cfg = event_config_new();
  if (!cfg) return nullptr;
  event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
  EventBasePtr base(event_base_new_with_config(cfg));
  event_config_free(cfg);
  return base;
}

Status Relay::start() {
  evutil_make_socket_nonblocking(p_.client.get());
  evutil_make_socket_nonblocking(p_.data.get());
  server_.reset(bufferevent_socket_new(base_, p_.data.get(), 0));
  if (!server_) return fail("unable to create a bufferevent");
  bufferevent_setcb(server_.get(), nullptr, on_server_write, on_server_event, this);
  server_read_ev_.reset(event_new(base_, p_.data.get(), EV_READ | EV_PERSIST, on_server_readable, this));
  if (!server_read_ev_) return fail("unable to create an event");
  bufferevent_setwatermark(server_.get(), EV_WRITE, kRelayHigh / 2, 0);
  bufferevent_enable(server_.get(), EV_WRITE);
  if (p_.control.valid()) {
    evutil_make_socket_nonblocking(p_.control.get());
    control_.reset(bufferevent_socket_new(base_, p_.control.get(), 0));
    if (!control_) return fail("unable to create a bufferevent");
    bufferevent_setcb(control_.get(), on_control_read, nullptr, on_control_event, this);
    bufferevent_enable(control_.get(), EV_READ | EV_WRITE);
  }
  handshake_timer_.reset(evtimer_new(base_, on_handshake_timeout, this));
  idle_timer_.reset(evtimer_new(base_, on_idle_timer, this));
  session_timer_.reset(evtimer_new(base_, on_session_timer, this));
  if (!handshake_timer_ || !idle_timer_ || !session_timer_) return fail("unable to create timers");
  timeval idle{p_.idle_timeout, 0};
  evtimer_add(idle_timer_.get(), &idle);
  if (p_.session_limit > 0) {
    timeval limit{p_.session_limit, 0};
    evtimer_add(session_timer_.get(), &limit);
  }
  touch();
  if (p_.implicit) return start_handshake(nullptr);
  // -s: plain text until the server asks for TLS
  client_.reset(bufferevent_socket_new(base_, p_.client.get(), BEV_OPT_CLOSE_ON_FREE));
  if (!client_) return fail("unable to create a bufferevent");
  (void)p_.client.release();  // the bufferevent owns it now
  bufferevent_setcb(client_.get(), on_client_read, on_client_write, on_client_event, this);
  bufferevent_setwatermark(client_.get(), EV_WRITE, kRelayHigh / 2, 0);
  set_write_timeout(client_.get());  // stays with the socket under a STARTTLS filter
  bufferevent_enable(client_.get(), EV_READ | EV_WRITE);
  server_read(true);
  return {};
}

// A socket bufferevent arms its write timeout only while it has bytes to write, so this
// fires when the client stops reading, not when the session is merely quiet. Under a
// STARTTLS filter the plain socket's timeout event reaches the filter's event callback.
void Relay::set_write_timeout(bufferevent* socket_side) {
  timeval w{p_.write_timeout, 0};
  bufferevent_set_timeouts(socket_side, nullptr, &w);
}

Status relay_one(RelayParams p, SSL_CTX* ctx, Relay::ReadyFn ready) {
  EventBasePtr base = new_event_base();
  if (!base) {
    log::error("unable to create the event loop");
    return local_trouble("unable to create the event loop");
  }
  Status outcome;
  Relay r(std::move(p), ctx, base.get(), std::move(ready), [&](const Status& o) {
    outcome = o;
    event_base_loopbreak(base.get());
  });
  if (auto s = r.start(); !s) {
    log::error(s.error().what);
    return local_trouble(s.error().what);
  }
  event_base_dispatch(base.get());
  return outcome;
}

// Moves everything the client sent to the server, pausing the client when the server lags.
void Relay::client_to_server() {
  if (state_ == State::kPlain) return plain_client_to_server();
  if (state_ != State::kRelay) return;  // TLS data waits for the handshake and GO
  evbuffer_add_buffer(out(server_.get()), in(client_.get()));
  throttle(client_.get(), server_.get());
  if (client_eof_) maybe_shutdown_server();
}

// Plain text before STARTTLS goes over line by line, so that a TLS record at the start of
// a line (a ClientHello that overtook our go-ahead) is held back for the handshake instead
// of being handed to the protocol server.
void Relay::plain_client_to_server() {
  evbuffer* src = in(client_.get());
  while (!held_ && evbuffer_get_length(src) > 0) {
    unsigned char first = 0;
    evbuffer_copyout(src, &first, 1);
    if (at_line_start_ && first == 0x16) {
      held_ = true;
      bufferevent_disable(client_.get(), EV_READ);
      break;
    }
    evbuffer_ptr nl = evbuffer_search(src, "\n", 1, nullptr);
    size_t n = nl.pos < 0 ? evbuffer_get_length(src) : static_cast<size_t>(nl.pos) + 1;
    evbuffer_remove_buffer(src, out(server_.get()), n);
    at_line_start_ = nl.pos >= 0;
  }
  throttle(client_.get(), server_.get());
  if (client_eof_) maybe_shutdown_server();
}

void Relay::server_to_client() {
  if (state_ != State::kPlain && state_ != State::kRelay) return;
  evbuffer_add_buffer(out(client_.get()), in(server_.get()));
  throttle(server_.get(), client_.get());
}

void Relay::throttle(bufferevent* src, bufferevent* dst) {
  if (evbuffer_get_length(out(dst)) < kRelayHigh) return;
  if (src == server_.get()) server_read(false);
  else bufferevent_disable(src, EV_READ);
  (src == client_.get() ? client_paused_ : server_paused_) = true;
}

// The client is gone: once the server has all its bytes, it gets end of file.
void Relay::maybe_shutdown_server() {
  if (state_ != State::kPlain && state_ != State::kRelay) return;
  if (server_shut_ || evbuffer_get_length(out(server_.get())) > 0) return;
  server_shut_ = true;
  ::shutdown(p_.data.get(), SHUT_WR);
}

// Stops relaying, sends close_notify, and reports once any last TLS bytes are out.
void Relay::finish(Status how) {
  if (finished_) return;
  finished_ = true;
  outcome_ = std::move(how);
  stop_io();
  close_tls();
  if (!linger_) done_(outcome_);
}

void Relay::stop_io() {
  if (handshake_timer_) evtimer_del(handshake_timer_.get());
  if (idle_timer_) evtimer_del(idle_timer_.get());
  if (session_timer_) evtimer_del(session_timer_.get());
  for (bufferevent* b : {client_.get(), server_.get(), control_.get()})
    if (b) bufferevent_disable(b, EV_READ | EV_WRITE);
  if (server_read_ev_) server_read(false);
}

void Relay::on_client_read(bufferevent*, void* self) {
  auto* r = static_cast<Relay*>(self);
  r->touch();
  r->client_to_server();
}

void Relay::server_read(bool on) {
  if (on) event_add(server_read_ev_.get(), nullptr);
  else event_del(server_read_ev_.get());
}

// Reads from the server with one read() of up to 64 KB: libevent 2.1's socket bufferevents
// read at most 4 KB a time, which would mean a 4 KB TLS record and a write() for each.
void Relay::on_server_readable(evutil_socket_t fd, short, void* self) {
  auto* r = static_cast<Relay*>(self);
  evbuffer* i = in(r->server_.get());
  evbuffer_unfreeze(i, 0);  // the bufferevent keeps its input's end frozen (it does not read)
  evbuffer_iovec v;
  ssize_t n = -1;
  if (evbuffer_reserve_space(i, kServerRead, &v, 1) == 1) {
    n = ::read(fd, v.iov_base, std::min(v.iov_len, kServerRead));
    v.iov_len = n > 0 ? static_cast<size_t>(n) : 0;
    evbuffer_commit_space(i, &v, 1);
  }
  evbuffer_freeze(i, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) return on_server_event(r->server_.get(), n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR, r);
  r->touch();
  r->server_to_client();
}

void Relay::on_client_write(bufferevent*, void* self) {
  auto* r = static_cast<Relay*>(self);
  if (r->server_paused_ && !r->server_eof_) {
    r->server_paused_ = false;
    r->server_read(true);
  }
  if (r->server_eof_ && evbuffer_get_length(out(r->client_.get())) == 0) r->finish({});
}

void Relay::on_server_write(bufferevent*, void* self) {
  auto* r = static_cast<Relay*>(self);
  if (r->client_paused_ && !r->client_eof_) {
    r->client_paused_ = false;
    bufferevent_enable(r->client_.get(), EV_READ);
  }
  if (r->client_eof_) r->maybe_shutdown_server();
}

void Relay::on_client_event(bufferevent*, short what, void* self) {
  auto* r = static_cast<Relay*>(self);
  if (what & BEV_EVENT_CONNECTED) return r->handshake_done();
  if (what & BEV_EVENT_TIMEOUT) {
    log::info(r->p_.remote, ": write timeout: the client took nothing for ", r->p_.write_timeout, " s");
    return r->finish(peer_trouble("write timeout"));
  }
  if (r->state_ == State::kHandshake) {
    std::string why = (what & BEV_EVENT_EOF) ? "client closed the connection" : "";
    while (unsigned long e = bufferevent_get_openssl_error(r->client_.get())) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      why += (why.empty() ? "" : "; ") + std::string(buf);
    }
    return r->handshake_failed(why.empty() ? "connection error" : why);
  }
  r->client_eof_ = true;
  bufferevent_disable(r->client_.get(), EV_READ);
  if (what & BEV_EVENT_ERROR) return r->finish(peer_trouble("connection error"));
  r->client_to_server();
  r->maybe_shutdown_server();
  if (r->server_eof_) r->finish({});
}

void Relay::on_server_event(bufferevent*, short, void* self) {
  auto* r = static_cast<Relay*>(self);
  r->server_eof_ = true;
  r->server_read(false);
  if (r->state_ != State::kPlain && r->state_ != State::kRelay) return r->finish({});
  r->server_to_client();
  if (evbuffer_get_length(out(r->client_.get())) == 0) r->finish({});
}

void Relay::on_idle_timer(evutil_socket_t, short, void* self) {
  auto* r = static_cast<Relay*>(self);
  long idle = static_cast<long>(std::time(nullptr) - r->last_activity_);
  if (idle >= r->p_.idle_timeout) {
    log::info("idle timeout after ", idle, " seconds");
    return r->finish(peer_trouble("idle timeout"));
  }
  timeval left{r->p_.idle_timeout - idle, 0};
  evtimer_add(r->idle_timer_.get(), &left);
}

void Relay::on_session_timer(evutil_socket_t, short, void* self) {
  auto* r = static_cast<Relay*>(self);
  log::info(r->p_.remote, ": session time limit of ", r->p_.session_limit, " s reached");
  r->finish(peer_trouble("session time limit"));
}
}  // namespace posta::tlsd
