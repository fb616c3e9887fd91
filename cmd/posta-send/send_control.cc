// posta-qctl requests (queue/lock/control; lib/queue/control_proto.h).
#include "log/log.h"
#include "send.h"

namespace posta::send {

using queue::RcptStatus;

std::string Scheduler::control(const std::string& command, const std::string& id) {
  if (command == "flush") {
    pickup();
    flush();
    dispatch();
    log::info("flush requested: every deferred recipient is due now");
    return "ok flushing " + std::to_string(messages_.size()) + " message(s)";
  }
  if (!messages_.count(id)) pickup();
  auto it = messages_.find(id);
  if (it == messages_.end() || it->second.cleaning) return "error no such message: " + id;
  Message& m = it->second;
  long long t = now();
  log::info("message ", id, ": ", command, " requested");
  if (command == "retry" || command == "release") {
    if (command == "release" && m.st.held) append(m, {{'U', 0, "", t, 0, ""}});
    for (auto& r : m.st.rcpts)
      if (r.status == RcptStatus::kPending && !m.busy.count(r.index)) r.next_try = 0;
    enqueue_pending(m);
    dispatch();
    return "ok " + command + " " + id;
  }
  if (command == "hold") {
    if (!m.st.held) append(m, {{'H', 0, "", t, 0, ""}});
    return "ok held " + id + (m.busy.empty() ? "" : " (deliveries in progress finish first)");
  }
  if (command == "bounce") {
    m.bounce_requested = true;  // recipients in flight now fail permanently unless delivered
    std::vector<queue::Record> recs;
    for (auto& r : m.st.rcpts)
      if (r.status == RcptStatus::kPending && !m.busy.count(r.index))
        recs.push_back({'P', r.index, "", t, 0, "5.0.0 bounced by the mail administrator"});
    append(m, recs);
    after_change(m);
    return "ok bounced " + std::to_string(recs.size()) + " recipient(s) of " + id +
           (m.busy.empty() ? "" : ", " + std::to_string(m.busy.size()) + " more when their delivery ends");
  }
  if (command == "delete") {
    m.deleting = true;
    log::info("message ", id, ": deleted by the administrator");
    after_change(m);
    return "ok deleting " + id;
  }
  return "error unknown command";
}

void Scheduler::periodic() {
  for (auto it = messages_.begin(); it != messages_.end();) {
    Message& m = (it++)->second;  // after_change() never erases: cleaning finishes later
    if (!m.cleaning && m.busy.empty()) after_change(m);
  }
  static long long last_sweep = 0;
  if (now() - last_sweep >= 3600) {
    last_sweep = now();
    sweep_orphans();
  }
}

}  // namespace posta::send
