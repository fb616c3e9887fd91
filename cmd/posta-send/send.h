// posta-send: the scheduler of the queue manager family (see posta-send(8)).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "control/domain_list.h"
#include "queue/envelope.h"
#include "queue/pipe_proto.h"
#include "queue/rcptstate.h"
#include "queue/spool.h"

namespace posta::accounts {
class Accounts;
}

namespace posta::send {

struct Config {
  int concurrency_local = 10;
  int concurrency_remote = 20;
  int concurrency_per_host = 10;
  long long lifetime = 604800;   // control/queuelifetime, seconds
  long long bouncewarn = 14400;  // control/bouncewarn, seconds; 0 = never
  long long retry_base = 60;     // control/retrybase: first retry after about this
  long long retry_max = 14400;   // control/retrymax: longest interval between retries
  long long scan_interval = 60;  // control/queuescaninterval: periodic todo/ scan
  long long bounce_max_bytes = 1 << 20;  // control/bouncemaxbytes: original message in a DSN
  std::string me = "localhost";
  std::string doublebounceto;    // full address, "" = discard double bounces
  DomainList locals;             // control/locals
  static Config load(const std::string& home);
};

struct Message {
  std::string id;
  queue::Envelope env;
  queue::MessageState st;
  long long size = 0;
  std::set<size_t> busy;  // recipients with a delivery in flight
  bool deleting = false;
  bool bounce_requested = false;  // posta-qctl bounce: in-flight failures become permanent
  bool cleaning = false;
};

struct Delivery {
  std::string id;
  queue::Channel channel = queue::Channel::kLocal;
  std::vector<size_t> rcpts;  // indexes into the envelope
  std::string domain;         // remote: the destination domain
  long long started = 0;
};

// One due recipient in a channel's queue.
struct Due {
  long long when = 0;
  std::string id;
  size_t index = 0;
  bool operator>(const Due& o) const { return when > o.when || (when == o.when && id > o.id); }
};
using DueQueue = std::priority_queue<Due, std::vector<Due>, std::greater<Due>>;

// Where the scheduler's requests go (the event loop writes them to the pipes).
struct Outputs {
  std::function<void(queue::Channel, const queue::DeliveryRequest&)> deliver;
  std::function<void(const queue::CleanRequest&)> clean;
};

class Scheduler {
 public:
  Scheduler(std::string home, Config cfg, Outputs out);

  void reload(Config cfg) { cfg_ = std::move(cfg); }
  // Startup: messages already picked up (info/ + state/), leftovers, orphans.
  void load_existing();
  // Moves todo/ messages into the schedule (batched commit, see posta-send(8)); true when
  // more are waiting (the caller runs it again soon).
  bool pickup();
  // Starts as many due deliveries as the limits allow.
  void dispatch();
  void on_result(queue::Channel ch, const queue::DeliveryResult& r);
  void on_clean(const queue::CleanResult& r);
  // posta-qctl; returns the reply line without "\n".
  std::string control(const std::string& command, const std::string& id);
  // Every deferred recipient is due now (ALRM, posta-qctl flush).
  void flush();
  // Seconds until the next retry is due (-1: nothing waits).
  long long next_wakeup() const;
  // Periodic work: reports and delay warnings that could not be sent, orphans.
  void periodic();
  // Removes abandoned injections (mess/ without envelope whose posta-queue is gone).
  void sweep_orphans();

  void stop_dispatching() { stopping_ = true; }
  size_t in_flight() const { return deliveries_.size(); }
  size_t cleaning() const { return cleaning_; }

 private:
  // send_pickup.cc
  bool pickup_one(const std::string& id, std::vector<std::string>& done_todo, std::vector<std::string>& fresh);
  bool is_local(const std::string& address);
  void adopt(const std::string& id);
  // send_schedule.cc
  void enqueue_pending(Message& m, bool only_due_now = false);
  bool start_local(DueQueue& q);
  bool start_remote(DueQueue& q);
  Message* usable(const Due& d, queue::Channel ch);
  struct Ready {
    Due due;
    Message* message;
  };
  std::optional<Ready> pop_ready(DueQueue& q, queue::Channel ch, long long t);
  void record_outcome(Message& m, size_t idx, char status, const std::string& text, queue::Channel ch,
                      long long started, std::vector<queue::Record>& recs);
  void after_change(Message& m);
  long long retry_delay(int attempts) const;
  // send_bounce.cc
  void report(Message& m);
  void maybe_warn(Message& m);
  bool needs_report(const Message& m, const queue::RcptState& r) const;
  [[nodiscard]] Status inject_dsn(const Message& m, const std::vector<size_t>& idx, const std::string& action);
  // send_spool.cc helpers
  void append(Message& m, const std::vector<queue::Record>& recs);
  void finish(Message& m);

  std::set<std::string> bad_todo_;  // unreadable todo/ entries, logged once
  accounts::Accounts* accounts_ = nullptr;  // open during pickup() only
  std::string home_;
  queue::Spool spool_;
  Config cfg_;
  Outputs out_;
  std::map<std::string, Message> messages_;
  std::map<uint64_t, Delivery> deliveries_;
  DueQueue local_due_, remote_due_;
  std::map<std::string, int> per_domain_;                  // remote deliveries in flight
  std::map<std::string, std::vector<Due>> domain_blocked_;  // waiting for a per-domain slot
  int local_busy_ = 0, remote_busy_ = 0;
  uint64_t next_slot_ = 1;
  size_t cleaning_ = 0;
  bool stopping_ = false;
};

long long now();

}  // namespace posta::send
