// The per-connection event loop of posta-tlsd (private to the program).
#pragma once
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <ctime>

#include "tlsd.h"

namespace posta::tlsd {

struct BevFree {
  void operator()(bufferevent* b) const noexcept { bufferevent_free(b); }
};
using BevPtr = std::unique_ptr<bufferevent, BevFree>;
struct EventFree {
  void operator()(event* e) const noexcept { event_free(e); }
};
using EventPtr = std::unique_ptr<event, EventFree>;
struct BaseFree {
  void operator()(event_base* b) const noexcept { event_base_free(b); }
};
using BasePtr = std::unique_ptr<event_base, BaseFree>;

class Relay {
 public:
  Relay(const Options& o, SSL_CTX* ctx, ServerLink& link) : o_(o), ctx_(ctx), link_(link) {}
  Outcome run();

 private:
  // kPlain: -s before STARTTLS. kHandshake: TLS being set up. kWaitGo: -s, told the server,
  // waiting for it to flush stale plaintext. kRelay: decrypted bytes flow both ways.
  enum class State { kPlain, kHandshake, kWaitGo, kRelay };

  [[nodiscard]] Status setup();
  [[nodiscard]] Status start_handshake(bufferevent* plain);
  void begin_starttls();
  void handshake_done();
  void handshake_failed(const std::string& why);
  void go();
  void finish(Outcome how);
  void close_tls();

  void client_to_server();
  void plain_client_to_server();
  void server_to_client();
  void throttle(bufferevent* src, bufferevent* dst);
  void maybe_shutdown_server();
  void touch() { last_activity_ = std::time(nullptr); }
  void control_line(const std::string& line);
  void send_control(const std::string& msg);

  static void on_client_read(bufferevent*, void* self);
  static void on_client_write(bufferevent*, void* self);
  static void on_client_event(bufferevent*, short what, void* self);
  static void on_server_read(bufferevent*, void* self);
  static void on_server_write(bufferevent*, void* self);
  static void on_server_event(bufferevent*, short what, void* self);
  static void on_control_read(bufferevent*, void* self);
  static void on_control_event(bufferevent*, short what, void* self);
  static void on_handshake_timeout(evutil_socket_t, short, void* self);
  static void on_idle_timer(evutil_socket_t, short, void* self);

  const Options& o_;
  SSL_CTX* ctx_;
  ServerLink& link_;
  BasePtr base_;
  BevPtr client_;  // plain socket, TLS socket (-i) or TLS filter over the plain one (-s)
  BevPtr server_;
  BevPtr control_;
  EventPtr handshake_timer_, idle_timer_;
  SSL* ssl_ = nullptr;  // owned by client_
  bool filter_ = false;
  State state_ = State::kPlain;
  bool at_line_start_ = true, held_ = false;
  bool client_eof_ = false, server_eof_ = false, server_shut_ = false;
  bool client_paused_ = false, server_paused_ = false;
  std::time_t last_activity_ = 0;
  Outcome outcome_ = Outcome::kDone;
  bool finished_ = false;
};

}  // namespace posta::tlsd
