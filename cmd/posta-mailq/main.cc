// posta-mailq: every queued message with its recipients' states (posta-mailq(8)).
#include <iostream>

#include "admin/queue_view.h"
#include "log/log.h"
#include "queue/maildate.h"

namespace {

void print_text(const std::vector<posta::queue::MessageView>& q, long long now) {
  for (auto& m : q) {
    std::cout << m.id << "  " << m.size << "  " << posta::queue::rfc5322_date(m.arrival) << "  <" << m.sender << ">"
              << (m.held ? "  HELD" : "") << (m.picked_up ? "" : "  (not yet picked up)") << "\n";
    for (auto& r : m.rcpts) {
      std::cout << "    " << r.state << "  " << (r.channel.empty() ? "-" : r.channel) << "  <" << r.address
                << ">  attempts=" << r.attempts;
      if (r.state == "deferred" && r.next_try) std::cout << "  next=" << std::max(0LL, r.next_try - now) << "s";
      if (!r.reason.empty()) std::cout << "  (" << posta::log::printable(r.reason) << ")";
      std::cout << "\n";
    }
  }
  if (q.empty()) std::cout << "Mail queue is empty\n";
  else std::cout << "-- " << q.size() << " message(s)\n";
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-mailq");
  return posta::admin::run_queue_view(
      argc, argv, "posta-mailq: list the messages in the queue (see posta-mailq(8))",
      "one JSON object per message, one per line", [](const auto& q, bool json) {
        if (!json) return print_text(q, ::time(nullptr));
        for (auto& m : q) std::cout << posta::queue::to_json(m) << "\n";
      });
}
