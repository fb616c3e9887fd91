// posta-qstat: queue counters (posta-qstat(8)).
#include <iostream>

#include "admin/queue_view.h"
#include "log/log.h"

namespace {

void print_counters(const std::vector<posta::queue::MessageView>& q, bool json) {
  long long messages = 0, todo = 0, local = 0, remote = 0, deferred = 0, held = 0, oldest = 0;
  long long now = ::time(nullptr);
  for (auto& m : q) {
    ++messages;
    if (!m.picked_up) ++todo;
    if (m.held) ++held;
    oldest = std::max(oldest, now - m.arrival);
    for (auto& r : m.rcpts) {
      bool pending = r.state == "queued" || r.state == "deferred";
      if (pending && r.channel == "local") ++local;
      if (pending && r.channel == "remote") ++remote;
      if (r.state == "deferred") ++deferred;
    }
  }
  if (json) {
    std::cout << "{\"messages\":" << messages << ",\"todo\":" << todo << ",\"local_pending\":" << local
              << ",\"remote_pending\":" << remote << ",\"deferred\":" << deferred << ",\"held\":" << held
              << ",\"oldest_age\":" << oldest << "}\n";
  } else {
    std::cout << "messages in queue: " << messages << "\nnot yet picked up (todo): " << todo
              << "\nlocal recipients pending: " << local << "\nremote recipients pending: " << remote
              << "\ndeferred recipients: " << deferred << "\nheld messages: " << held
              << "\noldest message age: " << oldest << "s\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-qstat");
  return posta::admin::run_queue_view(argc, argv, "posta-qstat: queue counters (see posta-qstat(8))",
                                      "one JSON object", print_counters);
}
