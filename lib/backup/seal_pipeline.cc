#include "backup/seal_pipeline.h"

#include <algorithm>

#include "backup/compress.h"

namespace posta::backup {

SealPipeline::SealPipeline(const MasterKey& key, unsigned workers) : key_(key) {
  for (unsigned i = 0; i < std::max(1u, workers); ++i) threads_.emplace_back([this] { work(); });
}

SealPipeline::~SealPipeline() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

unsigned SealPipeline::default_workers() {
  unsigned cores = std::thread::hardware_concurrency();
  return std::clamp(cores > 1 ? cores - 1 : 1u, 1u, 4u);
}

void SealPipeline::submit(const ObjectId& id, std::string plaintext) {
  auto job = std::make_shared<Job>();
  job->id = id;
  job->bytes = plaintext.size();
  job->plaintext = std::move(plaintext);
  {
    std::lock_guard lock(mu_);
    order_.push_back(job);
    todo_.push_back(job);
    pending_bytes_ += job->bytes;
  }
  work_cv_.notify_one();
}

std::optional<SealPipeline::Sealed> SealPipeline::next(bool wait) {
  std::unique_lock lock(mu_);
  if (order_.empty()) return std::nullopt;
  if (wait)
    done_cv_.wait(lock, [&] { return order_.front()->done; });
  else if (!order_.front()->done)
    return std::nullopt;
  std::shared_ptr<Job> job = std::move(order_.front());
  order_.pop_front();
  pending_bytes_ -= job->bytes;
  return Sealed{job->id, std::move(job->sealed)};
}

size_t SealPipeline::pending_bytes() const {
  std::lock_guard lock(mu_);
  return pending_bytes_;
}

bool SealPipeline::empty() const {
  std::lock_guard lock(mu_);
  return order_.empty();
}

void SealPipeline::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !todo_.empty(); });
      if (stop_) return;
      job = std::move(todo_.front());
      todo_.pop_front();
    }
    auto sealed = seal(key_, job->id, pack_payload(job->plaintext));
    std::string().swap(job->plaintext);
    {
      std::lock_guard lock(mu_);
      job->sealed = std::move(sealed);
      job->done = true;
    }
    done_cv_.notify_all();
  }
}

}  // namespace posta::backup
