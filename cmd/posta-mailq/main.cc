// posta-mailq: every queued message with its recipients' states (posta-mailq(8)).
#include <CLI/CLI.hpp>
#include <iostream>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "queue/inspect.h"
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
  CLI::App app{"posta-mailq: list the messages in the queue (see posta-mailq(8))"};
  bool json = false;
  app.add_flag("--json", json, "one JSON object per message, one per line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : posta::kExitUsage;
  }
  auto q = posta::queue::read_queue(posta::queue::Spool::from_home(posta::posta_home()));
  if (!q) {
    posta::log::error("fatal: ", q.error().what);
    return posta::kExitTemporary;
  }
  if (json) {
    for (auto& m : *q) std::cout << posta::queue::to_json(m) << "\n";
  } else {
    print_text(*q, ::time(nullptr));
  }
  return 0;
}
