// The per-connection event loop of posta-tlsd (private to the program).
#pragma once
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <ctime>
#include <functional>

#include "event/event_ptr.h"
#include "tlsd.h"

namespace posta::tlsd {

// What one relayed connection needs; the Relay owns client, data and control.
struct RelayParams {
  bool implicit = false;      // handshake at once; else plain text until STARTTLS
  int handshake_timeout = 60;
  int idle_timeout = 3600;
  Fd client;                  // the client's socket
  Fd data;                    // the protocol server's plain side
  Fd control;                 // the control channel (-s; the daemon: both modes)
  std::string remote;         // client address, for logs
  bool trim = true;           // malloc_trim after the handshake (one process per connection)
  int write_timeout = 300;    // seconds a write to the client may make no progress
  int session_limit = 86400;  // seconds from start(); 0 = none
};

class Relay {
 public:
  // implicit TLS: called once the handshake is done; an error ends the connection.
  // nullptr: send the "OK..." line on the control channel instead (posta-tcpd -T).
  using ReadyFn = std::function<Status(const TlsInfo&)>;
  // called once, when the connection is over (the Relay may be destroyed from there on).
  using DoneFn = std::function<void(const Status&)>;
  Relay(RelayParams p, SSL_CTX* ctx, event_base* base, ReadyFn ready, DoneFn done)
      : p_(std::move(p)), ctx_(ctx), base_(base), ready_(std::move(ready)), done_(std::move(done)) {}
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  [[nodiscard]] Status start();
  void set_done(DoneFn done) { done_ = std::move(done); }

 private:
  // kPlain: -s before STARTTLS. kHandshake: TLS being set up. kWaitGo: -s, told the server,
  // waiting for it to flush stale plaintext. kRelay: decrypted bytes flow both ways.
  enum class State { kPlain, kHandshake, kWaitGo, kRelay };

  [[nodiscard]] Status start_handshake(bufferevent* plain);
  void begin_starttls();
  void handshake_done();
  void handshake_failed(const std::string& why);
  void go();
  void finish(Status how);
  void close_tls();
  void stop_io();
  void linger_done();
  static void on_linger(evutil_socket_t, short, void* self);

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
  static void on_server_readable(evutil_socket_t fd, short, void* self);
  void server_read(bool on);
  static void on_server_write(bufferevent*, void* self);
  static void on_server_event(bufferevent*, short what, void* self);
  static void on_control_read(bufferevent*, void* self);
  static void on_control_event(bufferevent*, short what, void* self);
  static void on_handshake_timeout(evutil_socket_t, short, void* self);
  static void on_idle_timer(evutil_socket_t, short, void* self);
  static void on_session_timer(evutil_socket_t, short, void* self);
  // The write timeout, on the bufferevent that writes to the client's socket.
  void set_write_timeout(bufferevent* socket_side);

  RelayParams p_;
  SSL_CTX* ctx_;
  event_base* base_;
  ReadyFn ready_;
  DoneFn done_;
  BuffereventPtr client_;  // plain socket, TLS socket (-i) or TLS filter over the plain one (-s)
  BuffereventPtr server_;          // writes to the server; reads go through server_read_ev_
  EventPtr server_read_ev_;
  BuffereventPtr control_;
  EventPtr handshake_timer_, idle_timer_, session_timer_, linger_;
  SSL* ssl_ = nullptr;  // owned by client_
  bool filter_ = false;
  State state_ = State::kPlain;
  bool at_line_start_ = true, held_ = false;
  bool client_eof_ = false, server_eof_ = false, server_shut_ = false;
  bool client_paused_ = false, server_paused_ = false;
  std::time_t last_activity_ = 0;
  Status outcome_;
  bool finished_ = false;
};

// One connection in its own event loop (the per-connection shape).
[[nodiscard]] Status relay_one(RelayParams p, SSL_CTX* ctx, Relay::ReadyFn ready);
EventBasePtr new_event_base();

}  // namespace posta::tlsd
