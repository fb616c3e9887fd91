// posta-queued: the resident queue writer; posta-smtpd hands it each message's fds instead of
// running posta-queue (posta-queued(8), lib/queue/queued_proto.h).
#pragma once
#include <optional>
#include <string>

#include "io/fd.h"
#include "net/fdpass.h"
#include "queue/spool.h"

namespace posta::queued {

struct Options {
  std::string socket;          // -D
  std::string group;           // -G: who may connect besides root and the queue user
  std::optional<int> notify_fd;  // -d
  int jobs = 300;  // -c: a job lasts from DATA to the end: the -c 100 of smtpd, submission, smtps
  int timeout = 5;             // -t: seconds for the frame to arrive
};

// What every job shares (read-only while jobs run).
struct Context {
  std::string home;
  queue::Spool spool;
  int timeout;
  std::optional<gid_t> group;  // -G
  bool system = false;         // a system-mode instance: the daemon user is posta-d
};

// Serves one accepted connection to its end: frame, "ok", the message, "exit N". Run on a
// thread of its own; cred is the peer's, already allowed.
void serve(const Context& ctx, Fd conn, net::PeerCred cred);

int run(const Options& o);

}  // namespace posta::queued
