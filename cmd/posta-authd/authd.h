// posta-authd: the resident password checker behind posta-auth. It keeps the accounts
// environments (db/ and db/secret/) open and answers one check per connection on a unix
// socket. See man/posta-authd.8.
#pragma once
#include <event2/event.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "event/event_ptr.h"
#include "io/fd.h"

namespace posta::authd {

struct Options {
  std::string socket;              // -s
  std::string group;               // -G: group that may connect (mode 0660); else 0600
  std::optional<int> notify_fd;    // -N
  int workers = 2;                 // -w: hash threads
  int max_connections = 128;       // -c
  int timeout = 5;                 // -t: seconds for the request to arrive / the answer to leave
};

// authd_pool.cc: crypt(3) on worker threads. The threads never touch Berkeley DB (the
// environments are opened without DB_THREAD and used by the event loop's thread only).
class HashPool {
 public:
  struct Job {
    uint64_t id = 0;
    std::string password;
    std::string hash;        // "" with dummy: an unknown login, pay a hash anyway
    bool dummy = false;
  };
  struct Done {
    uint64_t id = 0;
    bool ok = false;
    int64_t hash_us = 0;
  };
  // wake_fd() becomes readable when results are waiting.
  [[nodiscard]] static Result<std::unique_ptr<HashPool>> start(int workers);
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  void submit(Job job);
  std::vector<Done> collect();  // drains the wake pipe and returns the finished jobs
  int wake_fd() const { return wake_.read.get(); }

 private:
  HashPool() = default;
  void work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  Pipe wake_;
};

// authd_run.cc
int run(const Options& o);

}  // namespace posta::authd
