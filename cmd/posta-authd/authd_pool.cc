// The hash workers: a queue of jobs, a few threads running crypt(3), a pipe that wakes the
// event loop when results are ready.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>

#include "accounts/auth_check.h"
#include "authd.h"

namespace posta::authd {
namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<HashPool>> HashPool::start(int workers) {
  std::unique_ptr<HashPool> p(new HashPool);
  auto w = Pipe::make();
  if (!w) return std::unexpected(w.error());
  p->wake_ = std::move(*w);
  set_nonblock(p->wake_.read.get(), true);
  set_nonblock(p->wake_.write.get(), true);
  // Signals stay with the event loop's thread: the workers start with all of them blocked.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  for (int i = 0; i < workers; ++i) p->threads_.emplace_back([q = p.get()] { q->work(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return p;
}

HashPool::~HashPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    for (auto& j : jobs_) explicit_bzero(j.password.data(), j.password.size());
    jobs_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void HashPool::submit(Job job) {
  {
    std::lock_guard<std::mutex> l(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void HashPool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    int64_t t0 = now_us();
    bool ok = accounts::check_password(job.password, job.hash, job.dummy);
    int64_t spent = now_us() - t0;
    explicit_bzero(job.password.data(), job.password.size());
    {
      std::lock_guard<std::mutex> l(mu_);
      done_.push_back(Done{job.id, ok, spent});
    }
    char byte = 'd';
    (void)!::write(wake_.write.get(), &byte, 1);  // a full pipe already means "wake up"
  }
}

std::vector<HashPool::Done> HashPool::collect() {
  // One read: a byte left over (a job finished meanwhile) only wakes the loop once more.
  char buf[256];
  (void)!::read(wake_.read.get(), buf, sizeof buf);
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Done> out;
  out.swap(done_);
  return out;
}

}  // namespace posta::authd
