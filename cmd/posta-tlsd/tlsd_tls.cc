// TLS setup inside the relay: implicit handshake, STARTTLS on request, the control channel.
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "log/log.h"
#include "tlsd_relay.h"

namespace posta::tlsd {
namespace {

evbuffer* in(bufferevent* b) { return bufferevent_get_input(b); }
evbuffer* out(bufferevent* b) { return bufferevent_get_output(b); }

// libevent keeps the start of a socket bufferevent's output frozen outside its own write
// handler, and the end of its input outside its read handler: a plain evbuffer_drain() of
// the output or evbuffer_read() into the input would silently do nothing.
size_t drop_output(bufferevent* b) {
  evbuffer* o = out(b);
  size_t n = evbuffer_get_length(o);
  evbuffer_unfreeze(o, 1);
  evbuffer_drain(o, n);
  evbuffer_freeze(o, 1);
  return n;
}

size_t drop_input(bufferevent* b) {
  size_t n = evbuffer_get_length(in(b));
  evbuffer_drain(in(b), n);
  return n;
}

void read_pending(bufferevent* b, int fd) {
  evbuffer* i = in(b);
  evbuffer_unfreeze(i, 0);
  while (evbuffer_read(i, fd, 65536) > 0) {
  }
  evbuffer_freeze(i, 0);
}

}  // namespace

// plain == nullptr: implicit TLS straight on the socket; else a filter over the plain
// bufferevent, which keeps any ClientHello bytes already read.
Status Relay::start_handshake(bufferevent* plain) {
  state_ = State::kHandshake;
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) return fail("unable to create a TLS session: " + openssl_errors());
  bufferevent* b = plain
      ? bufferevent_openssl_filter_new(base_, plain, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                       BEV_OPT_CLOSE_ON_FREE)
      : bufferevent_openssl_socket_new(base_, p_.client.get(), ssl, BUFFEREVENT_SSL_ACCEPTING,
                                       BEV_OPT_CLOSE_ON_FREE);
  if (!b) {
    SSL_free(ssl);
    return fail("unable to create a TLS bufferevent");
  }
  if (plain) (void)client_.release();  // the filter owns it now
  else (void)p_.client.release();      // the TLS bufferevent owns the socket
  client_.reset(b);
  ssl_ = ssl;
  filter_ = plain != nullptr;
  bufferevent_setcb(b, on_client_read, on_client_write, on_client_event, this);
  bufferevent_setwatermark(b, EV_WRITE, kRelayHigh / 2, 0);
  bufferevent_setwatermark(b, EV_READ, 0, kRelayHigh);
  if (!plain) set_write_timeout(b);  // a filter's socket side has its timeout already
  bufferevent_enable(b, EV_READ | EV_WRITE);
  // bounds what the filter may queue on the socket side
  if (plain) bufferevent_setwatermark(plain, EV_WRITE, 0, kRelayHigh);
  if (plain && evbuffer_get_length(in(plain)) > 0)
    bufferevent_trigger(plain, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
  timeval t{p_.handshake_timeout, 0};
  evtimer_add(handshake_timer_.get(), &t);
  return {};
}

// The server wrote its go-ahead to its fd 1, then "STARTTLS" here: that go-ahead is already
// readable on our end of its socketpair. Plaintext the client sent after its STARTTLS
// command and that we have not delivered yet is dropped (CVE-2011-0411); what we did
// deliver, the server drains before it says GO.
void Relay::begin_starttls() {
  bufferevent* plain = client_.get();
  size_t dropped = drop_output(server_.get());
  if (!held_) dropped += drop_input(plain);
  if (evbuffer_get_length(out(server_.get())) > 0 || (!held_ && evbuffer_get_length(in(plain)) > 0)) {
    log::error("unable to drop plain text sent after STARTTLS");  // fail closed
    send_control("ERR internal error\n");
    return finish(local_trouble("unable to drop plain text sent after STARTTLS"));
  }
  if (dropped > 0) log::info("dropped ", dropped, " bytes of plain text sent after STARTTLS");
  read_pending(server_.get(), p_.data.get());
  evbuffer_add_buffer(out(plain), in(server_.get()));
  server_read(false);
  if (auto s = start_handshake(plain); !s) {
    log::error(s.error().what);
    send_control("ERR internal error\n");
    finish(local_trouble(s.error().what));
  }
}

void Relay::handshake_done() {
  evtimer_del(handshake_timer_.get());
  // The handshake's temporary allocations (certificate parsing, key exchange) are freed by
  // now: hand the pages back, an idle connection should cost as little as possible.
  if (p_.trim) ::malloc_trim(0);
  TlsInfo info = session_info(ssl_);
  log::info("tls ", p_.remote, " ", info.protocol, " ", info.cipher,
            info.sni.empty() ? "" : " sni=", log::printable(info.sni),
            info.peer_subject.empty() ? "" : " client=", log::printable(info.peer_subject));
  if (!p_.implicit) {
    state_ = State::kWaitGo;
    return send_control(format_tls_ok(info));
  }
  if (!ready_) send_control(format_tls_ok(info));
  else if (auto s = ready_(info); !s) {
    log::error("unable to start the server: ", s.error().what);
    return finish(local_trouble("unable to start the server: " + s.error().what));
  }
  go();
}

void Relay::handshake_failed(const std::string& why) {
  evtimer_del(handshake_timer_.get());
  log::info("tls ", p_.remote, " handshake failed: ", log::printable(why, 400));
  send_control("ERR " + log::printable(why, 200) + "\n");
  finish(peer_trouble("handshake failed: " + why));
}

void Relay::go() {
  state_ = State::kRelay;
  server_read(true);
  client_to_server();
}

void Relay::send_control(const std::string& msg) {
  if (control_) bufferevent_write(control_.get(), msg.data(), msg.size());
}

void Relay::control_line(const std::string& line) {
  if (line == "STARTTLS" && state_ == State::kPlain) return begin_starttls();
  if (line == "GO" && state_ == State::kWaitGo) return go();
  if (line == "STARTTLS" && state_ == State::kRelay) return send_control("ERR TLS already active\n");
  log::error("unexpected control message from the server: ", log::printable(line));
  finish(local_trouble("unexpected control message from the server"));
}

void Relay::on_control_read(bufferevent* b, void* self) {
  auto* r = static_cast<Relay*>(self);
  for (;;) {
    size_t n = 0;
    char* line = evbuffer_readln(in(b), &n, EVBUFFER_EOL_LF);
    if (!line) break;
    std::string s(line, n);
    std::free(line);
    r->control_line(s);
    if (r->finished_) return;
  }
  if (evbuffer_get_length(in(b)) > 256) {
    log::error("overlong control message from the server");
    r->finish(local_trouble("overlong control message from the server"));
  }
}

// The server closed its control fd (exiting, or just not interested): nothing to do.
void Relay::on_control_event(bufferevent*, short, void* self) {
  auto* r = static_cast<Relay*>(self);
  if (r->state_ == State::kWaitGo) return r->finish({});
  // implicit TLS behind posta-tcpd: tcpd gave up waiting (or died) before the handshake ended
  if (r->p_.implicit && r->state_ != State::kRelay) return r->finish(peer_trouble("posta-tcpd gave up before the handshake ended"));
  r->control_.reset();
}

void Relay::on_handshake_timeout(evutil_socket_t, short, void* self) {
  static_cast<Relay*>(self)->handshake_failed("timeout");
}

// Best-effort close_notify. A filter's output (its last records and the alert) may still
// sit in the plain bufferevent, whose buffer libevent keeps frozen outside its own write
// handler: unfreeze it and write it out as the socket takes it, for at most 10 seconds.
void Relay::close_tls() {
  if (!ssl_ || state_ != State::kRelay) return;
  SSL_shutdown(ssl_);
  ERR_clear_error();
  if (!filter_) return;
  bufferevent* plain = bufferevent_get_underlying(client_.get());
  if (!plain) return;
  evbuffer_unfreeze(out(plain), 1);
  (void)evbuffer_write(out(plain), bufferevent_getfd(plain));
  if (evbuffer_get_length(out(plain)) == 0) return;
  linger_.reset(event_new(base_, bufferevent_getfd(plain), EV_WRITE | EV_PERSIST, on_linger, this));
  timeval t{10, 0};
  if (!linger_ || event_add(linger_.get(), &t) != 0) linger_.reset();
}

void Relay::on_linger(evutil_socket_t fd, short what, void* self) {
  auto* r = static_cast<Relay*>(self);
  evbuffer* pending = out(bufferevent_get_underlying(r->client_.get()));
  if (what & EV_WRITE) {
    int n = evbuffer_write(pending, fd);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n >= 0 && evbuffer_get_length(pending) > 0) return;
  }
  r->linger_done();
}

void Relay::linger_done() {
  linger_.reset();
  done_(outcome_);
}

}  // namespace posta::tlsd
