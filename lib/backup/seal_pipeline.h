// Compression and sealing of new objects on worker threads, the results handed back in the
// order they were submitted: the caller (Repository) keeps reading, chunking and naming
// objects while the workers do the expensive part, and writes the packs itself, so that a
// pack's bytes and index stay the same as one thread would make them.
#pragma once
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backup/crypto.h"
#include "base/error.h"

namespace posta::backup {

class SealPipeline {
 public:
  struct Sealed {
    ObjectId id;
    Result<std::string> sealed;  // compressed, then sealed under the master key with id as AAD
  };

  // workers: threads (at least one); key must outlive the pipeline.
  SealPipeline(const MasterKey& key, unsigned workers);
  ~SealPipeline();  // discards what is not taken, then joins the workers
  SealPipeline(const SealPipeline&) = delete;
  SealPipeline& operator=(const SealPipeline&) = delete;

  void submit(const ObjectId& id, std::string plaintext);
  // The oldest submitted object, if it is done (wait: once it is); nullopt when nothing is
  // pending, or when it is not done and wait is false.
  std::optional<Sealed> next(bool wait);
  // Plaintext bytes submitted and not yet taken by next(): the caller's bound on memory.
  size_t pending_bytes() const;
  bool empty() const;

  // One worker a core beside the caller's thread, at least one, at most four.
  static unsigned default_workers();

 private:
  struct Job {
    ObjectId id;
    std::string plaintext;
    size_t bytes = 0;
    bool done = false;
    Result<std::string> sealed = std::string();
  };
  void work();

  const MasterKey& key_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Job>> order_;  // every job not yet taken, oldest first
  std::deque<std::shared_ptr<Job>> todo_;   // jobs no worker has started
  size_t pending_bytes_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace posta::backup
