// Choosing due recipients, the concurrency limits, and acting on delivery results.
#include <sys/time.h>
#include <unistd.h>

#include <random>

#include "log/log.h"
#include "send.h"

namespace posta::send {

using queue::Channel;
using queue::RcptStatus;

long long now() { return static_cast<long long>(::time(nullptr)); }

Scheduler::Scheduler(std::string home, Config cfg, Outputs out)
    : home_(std::move(home)), spool_(queue::Spool::from_home(home_)), cfg_(std::move(cfg)), out_(std::move(out)) {}

void Scheduler::enqueue_pending(Message& m, bool only_due_now) {
  if (m.st.held || m.deleting || m.cleaning) return;
  long long t = now();
  for (auto& r : m.st.rcpts) {
    if (r.status != RcptStatus::kPending || m.busy.count(r.index)) continue;
    if (only_due_now && r.next_try > t) continue;
    (r.channel == Channel::kLocal ? local_due_ : remote_due_).push(Due{r.next_try, m.id, r.index});
  }
}

// The message of d, or null when d is stale: its recipient changed since d was pushed.
Message* Scheduler::usable(const Due& d, Channel ch) {
  auto it = messages_.find(d.id);
  if (it == messages_.end()) return nullptr;
  Message& m = it->second;
  if (m.st.held || m.deleting || m.cleaning || m.busy.count(d.index)) return nullptr;
  auto* r = m.st.find(d.index);
  if (!r || r->status != RcptStatus::kPending || r->channel != ch || r->next_try != d.when) return nullptr;
  return &m;
}

// Pops q up to its first entry due by t that is not stale; nullopt when none is due.
std::optional<Scheduler::Ready> Scheduler::pop_ready(DueQueue& q, Channel ch, long long t) {
  while (!q.empty() && q.top().when <= t) {
    Due d = q.top();
    q.pop();
    if (Message* m = usable(d, ch)) return Ready{std::move(d), m};
  }
  return std::nullopt;
}

static std::vector<std::string> agent_env(const Message& m) {
  std::vector<std::string> env;
  if (m.env.smtputf8) env.push_back("POSTA_SMTPUTF8=1");
  if (!m.env.body.empty()) env.push_back("POSTA_BODY=" + m.env.body);
  if (!m.env.ret.empty()) env.push_back("POSTA_DSN_RET=" + m.env.ret);
  if (!m.env.envid.empty()) env.push_back("POSTA_DSN_ENVID=" + m.env.envid);
  // posta-remote signs by it (DKIM); absent for a message queued before origins existed
  if (m.env.origin.kind != queue::Origin::Kind::kUnknown)
    env.push_back("POSTA_MESSAGE_ORIGIN=" + queue::encode_origin(m.env.origin));
  return env;
}

bool Scheduler::start_local(DueQueue& q) {
  long long t = now();
  auto ready = pop_ready(q, Channel::kLocal, t);
  if (!ready) return false;
  auto& [d, m] = *ready;
  uint64_t slot = next_slot_++;
  m->busy.insert(d.index);
  deliveries_[slot] = Delivery{m->id, Channel::kLocal, {d.index}, "", t};
  ++local_busy_;
  out_.deliver(Channel::kLocal, queue::DeliveryRequest{slot, m->id, m->env.sender, m->env.arrival, "",
                                                       agent_env(*m), {m->env.recipients[d.index].address}});
  return true;
}

bool Scheduler::start_remote(DueQueue& q) {
  long long t = now();
  while (auto ready = pop_ready(q, Channel::kRemote, t)) {
    auto& [d, m] = *ready;
    std::string domain = queue::address_domain(m->env.recipients[d.index].address);
    if (per_domain_[domain] >= cfg_.concurrency_per_host) {
      domain_blocked_[domain].push_back(d);
      continue;
    }
    // Every due remote recipient of this message in the same domain goes in one call.
    std::vector<size_t> idx;
    for (auto& r : m->st.rcpts) {
      if (r.channel != Channel::kRemote || r.status != RcptStatus::kPending || m->busy.count(r.index)) continue;
      if (r.next_try > t || queue::address_domain(r.address) != domain || idx.size() >= 100) continue;
      idx.push_back(r.index);
    }
    uint64_t slot = next_slot_++;
    queue::DeliveryRequest req{slot, m->id, m->env.sender, m->env.arrival, domain, agent_env(*m), {}};
    for (size_t i : idx) {
      m->busy.insert(i);
      req.rcpts.push_back(m->env.recipients[i].address);
    }
    deliveries_[slot] = Delivery{m->id, Channel::kRemote, idx, domain, t};
    ++remote_busy_;
    ++per_domain_[domain];
    out_.deliver(Channel::kRemote, req);
    return true;
  }
  return false;
}

void Scheduler::dispatch() {
  if (stopping_) return;
  while (local_busy_ < cfg_.concurrency_local && start_local(local_due_)) {}
  while (remote_busy_ < cfg_.concurrency_remote && start_remote(remote_due_)) {}
}

long long Scheduler::retry_delay(int attempts) const {
  static std::mt19937 rng(static_cast<unsigned>(::time(nullptr)) ^ static_cast<unsigned>(::getpid()));
  long long n = std::max(attempts, 1);
  long long d = std::min(cfg_.retry_base * n * n, cfg_.retry_max);
  long long spread = d / 10;  // +-10% jitter, so that a burst of failures does not retry in step
  if (spread > 0) d += std::uniform_int_distribution<long long>(-spread, spread)(rng);
  return std::max(d, 1LL);
}

void Scheduler::record_outcome(Message& m, size_t idx, char status, const std::string& text, Channel ch,
                               long long started, std::vector<queue::Record>& recs) {
  long long t = now();
  auto* r = m.st.find(idx);
  if (!r) return;
  std::string reason = queue::clean_reason(text);
  std::string result;
  if (status == 'r') {
    recs.push_back({'D', idx, "", t, 0, reason});
    result = "delivered";
  } else if (status == 'h' || t >= m.env.arrival + cfg_.lifetime || m.bounce_requested) {
    if (status != 'h') reason = m.bounce_requested ? "5.0.0 bounced by the mail administrator (last: " + reason + ")"
                                                   : reason + " (queue lifetime expired)";
    recs.push_back({'P', idx, "", t, 0, reason});
    result = "failed";
  } else {
    long long next = std::min(t + retry_delay(r->attempts + 1), m.env.arrival + cfg_.lifetime);
    recs.push_back({'S', idx, "", t, std::max(next, t + 1), reason});
    result = "deferred";
  }
  log::info("delivery ", m.id, ": to=<", log::printable(r->address), "> agent=",
            ch == Channel::kLocal ? "local" : "remote", " status=", result, " attempt=", r->attempts + 1,
            " delay=", t - m.env.arrival, "s time=", t - started, "s reason=\"", log::printable(reason), "\"");
}

void Scheduler::on_result(Channel ch, const queue::DeliveryResult& res) {
  auto dit = deliveries_.find(res.slot);
  if (dit == deliveries_.end() || dit->second.channel != ch) {
    log::warning("result for unknown delivery slot ", res.slot);
    return;
  }
  Delivery d = std::move(dit->second);
  deliveries_.erase(dit);
  if (ch == Channel::kLocal) {
    --local_busy_;
  } else {
    --remote_busy_;
    if (--per_domain_[d.domain] <= 0) per_domain_.erase(d.domain);
    auto b = domain_blocked_.find(d.domain);
    if (b != domain_blocked_.end()) {
      for (auto& due : b->second) remote_due_.push(due);
      domain_blocked_.erase(b);
    }
  }
  auto mit = messages_.find(d.id);
  if (mit == messages_.end()) return;
  Message& m = mit->second;
  std::vector<queue::Record> recs;
  for (size_t k = 0; k < d.rcpts.size(); ++k) {
    m.busy.erase(d.rcpts[k]);
    queue::RcptResult rr = k < res.rcpts.size() ? res.rcpts[k] : queue::RcptResult{'s', "no result from the delivery agent"};
    char st = rr.status;
    std::string text = rr.text;
    if (st == 'r' && res.final != 'K') {  // accepted, but the transaction failed afterwards
      st = res.final == 'D' ? 'h' : 's';
      text = res.text;
    }
    if (text.empty()) text = res.text;
    record_outcome(m, d.rcpts[k], st, text, ch, d.started, recs);
  }
  append(m, recs);
  after_change(m);
  if (!m.cleaning) {
    for (size_t i : d.rcpts) {
      auto* r = m.st.find(i);
      if (r && r->status == RcptStatus::kPending && !m.st.held && !m.deleting)
        (r->channel == Channel::kLocal ? local_due_ : remote_due_).push(Due{r->next_try, m.id, i});
    }
  }
}

void Scheduler::after_change(Message& m) {
  if (m.cleaning) return;
  if (m.deleting) {
    if (m.busy.empty()) finish(m);
    return;
  }
  if (m.busy.empty()) report(m);
  maybe_warn(m);
  if (!m.busy.empty()) return;
  for (auto& r : m.st.rcpts)
    if (r.status == RcptStatus::kPending || needs_report(m, r)) return;
  finish(m);
}

long long Scheduler::next_wakeup() const {
  long long best = -1, t = now();
  for (auto* q : {&local_due_, &remote_due_}) {
    if (q->empty()) continue;
    long long w = std::max(q->top().when - t, 0LL);
    if (best < 0 || w < best) best = w;
  }
  return best;
}

void Scheduler::flush() {
  for (auto& [id, m] : messages_) {
    for (auto& r : m.st.rcpts)
      if (r.status == RcptStatus::kPending && !m.busy.count(r.index)) r.next_try = 0;
    enqueue_pending(m);
  }
}

}  // namespace posta::send
