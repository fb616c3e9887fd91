// posta-imap-hibernate's loop (libevent): the listener, where posta-imapd hands over sessions
// (hibernate_accept.cc); one inotify instance whose watches on each folder's new/ and cur/
// are shared by the sessions on that folder; a read-and-timeout event per hibernated client
// connection; SIGCHLD reaps the resumed posta-imapd processes (hibernate_wake.cc).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/error.h"
#include "daemon/daemon.h"
#include "event/event_ptr.h"
#include "hibernate.h"
#include "io/fd.h"

namespace posta::hibernate {

// One session, as small as can be: its connection, its state as the imapd encoded it (kept
// as text: it is parsed again only on waking) and its watches.
class Server;

struct Sleeper {
  Server* server;
  Fd in, out;  // out is empty when fd 0 and 1 of the session were one socket
  std::string state;
  EventPtr ev;  // client readable, or the time to wake
  int wd_new = -1, wd_cur = -1;
  int64_t wake_at_ms = 0;  // CLOCK_MONOTONIC
};

// A handover in progress: the frame header, the fds, then the state.
struct Incoming {
  Server* server;
  Fd sock;
  std::string data;
  std::vector<Fd> fds;
  EventPtr ev;
  int64_t started_ms = 0;  // CLOCK_MONOTONIC: the whole frame within kIncomingTimeout
};

class Server {
 public:
  Server(const Options& o, Fd listener);
  ~Server();
  [[nodiscard]] Status start(Daemon& d);
  // Until SIGTERM or SIGINT; every session still asleep is resumed before it returns.
  void serve();

 private:
  // hibernate_accept.cc
  void accept_all();
  void read_incoming(Incoming* in, short what);
  void finish_incoming(Incoming* in, std::string_view answer);
  // The parsed frame: adopted as a Sleeper, or the reason it is refused.
  Status adopt(Incoming& in, size_t header_len, size_t length, int nfds);
  // hibernate_wake.cc
  void on_client(Sleeper* s, short what);
  void on_inotify();
  void wake(Sleeper* s, const char* why);
  void forget(Sleeper* s);  // closes the connection, drops the watches
  [[nodiscard]] Status resume(Sleeper& s);
  [[nodiscard]] Status watch(Sleeper& s, const std::string& dir);
  void unwatch(int wd, Sleeper* s);
  void reap();
  void on_signal(int sig);
  void arm(Sleeper& s, int64_t delay_ms);  // (re)adds its event: readable, or delay passed
  static void client_cb(evutil_socket_t, short what, void* arg);
  static void incoming_cb(evutil_socket_t, short what, void* arg);

  const Options& o_;
  Fd listener_;
  Fd inotify_;
  EventBasePtr base_;
  EventPtr listen_ev_, inotify_ev_, signals_ev_;
  std::unordered_map<Sleeper*, std::unique_ptr<Sleeper>> sleepers_;
  std::unordered_map<int, std::unordered_set<Sleeper*>> watched_;  // inotify wd -> its sessions
  std::map<Incoming*, std::unique_ptr<Incoming>> incoming_;
  bool stopping_ = false;
};

}  // namespace posta::hibernate
