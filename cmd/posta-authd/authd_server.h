// posta-authd's checkers: -w threads, each accepting one connection at a time and doing the
// whole check on it (read the request, look up, hash, conclude, answer, close). A thread
// that is woken by the kernel for a connection keeps it to the end: no hand-off between
// threads, whose every wake-up costs a fraction of a millisecond on a virtual machine.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accounts/auth_check.h"
#include "accounts/lookup.h"
#include "authd.h"
#include "daemon/daemon.h"
#include "io/fd.h"

namespace posta::authd {

class Server {
 public:
  Server(const Options& o, std::string home, Fd listener, std::optional<gid_t> group,
         accounts::Accounts acc);
  ~Server();
  // Starts the checkers; the caller's thread then handles d's signals and the checkpoints
  // until SIGTERM or SIGINT, and returns when every checker has finished its connection.
  void serve(Daemon& d);

 private:
  void checker();
  void check(Fd fd, uint64_t id);
  // The request frame, or "" after a timeout, an early close or a bad frame (logged).
  std::optional<accounts::AuthRequest> read_request(int fd, uint64_t id);
  accounts::AuthAnswer decide(accounts::AuthRequest& req);
  void send_answer(int fd, uint64_t id, const accounts::AuthAnswer& a);
  void checkpoint();
  void log_cpu() const;
  void stop();

  const Options& o_;
  std::string home_;
  Fd listener_;
  std::optional<gid_t> group_;
  // The environments are opened without DB_THREAD: one thread at a time uses them, under
  // db_mu_ (lookups and bookkeeping are short; the hash runs outside it).
  std::mutex db_mu_;
  accounts::Accounts acc_;
  accounts::AuthSettings settings_;
  bool concluded_ = false;  // checks concluded since the last checkpoint
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_id_{1};
  // With POSTA_AUTHD_TIMING set, the CPU time of the checkers' threads, for the line logged
  // at stop: all of each check (accept to close) and the part spent hashing. (Reading a
  // thread's CPU clock is a system call: not paid without it.)
  int64_t cpu_ns() const;
  const bool timed_;
  std::atomic<uint64_t> checks_{0};
  std::atomic<int64_t> check_cpu_ns_{0};
  std::atomic<int64_t> hash_cpu_ns_{0};
  std::vector<std::thread> threads_;
};

}  // namespace posta::authd
