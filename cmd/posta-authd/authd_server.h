// posta-authd's event loop: accept, read one request, look up, hash on the pool, conclude,
// answer, close.
#pragma once
#include <sys/types.h>

#include <map>

#include "accounts/auth_check.h"
#include "accounts/lookup.h"
#include "authd.h"

namespace posta::authd {

class Server {
 public:
  Server(const Options& o, std::string home, Fd listener, std::optional<gid_t> group,
         accounts::Accounts acc, std::unique_ptr<HashPool> pool);
  [[nodiscard]] Status start();
  void loop() { event_base_dispatch(base_.get()); }

 private:
  struct Conn {
    Server* server = nullptr;
    uint64_t id = 0;
    Fd fd;
    EventPtr ev;
    bool watched = false;      // ev added for the rest of the request
    std::string in;            // the request frame as it arrives
    std::string out;           // the answer frame
    size_t sent = 0;
    accounts::AuthRequest req;
    accounts::AuthLookup found;
  };

  static void on_accept(evutil_socket_t, short, void* self);
  static void on_read(evutil_socket_t, short what, void* conn);
  static void on_write(evutil_socket_t, short what, void* conn);
  static void on_hashed(evutil_socket_t, short, void* self);
  static void on_signal(evutil_socket_t sig, short, void* self);
  static void on_checkpoint(evutil_socket_t, short, void* self);
  void accept_some();
  bool peer_allowed(int fd);
  void read_request(Conn& c);
  void watch(Conn& c);
  void handle(Conn& c);
  void finish(Conn& c, bool password_ok, int64_t hash_us);
  void answer(Conn& c, const accounts::AuthAnswer& a);
  void write_answer(Conn& c);
  void close(Conn& c);
  void checkpoint();

  const Options& o_;
  std::string home_;
  Fd listener_;
  std::optional<gid_t> group_;
  accounts::Accounts acc_;  // read-write: lookups and bookkeeping, this thread only
  accounts::AuthSettings settings_;
  std::unique_ptr<HashPool> pool_;
  EventBasePtr base_;
  EventPtr accept_ev_, wake_ev_, checkpoint_ev_;
  std::vector<EventPtr> signal_evs_;
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  uint64_t next_id_ = 1;
  bool accepting_ = true;
  bool concluded_ = false;  // checks concluded since the last checkpoint
};

}  // namespace posta::authd
