#include <cstdlib>

#include "base/exitcode.h"
#include "lspawn.h"

namespace posta::lspawn {

namespace {
std::string agent() {
  const char* a = std::getenv("POSTA_LOCAL");  // tests may put a stand-in here
  return a && *a ? a : sibling("posta-local");
}
}  // namespace

queue::SpawnerHooks hooks() {
  queue::SpawnerHooks h;
  h.command = [](const queue::DeliveryRequest& r) {
    queue::AgentCommand c;
    if (r.rcpts.size() != 1) c.refuse = "posta-lspawn: one recipient per request";
    c.argv = {agent(), r.sender, r.rcpts.empty() ? "" : r.rcpts[0]};
    return c;
  };
  h.result = [](const queue::DeliveryRequest& r, const ExitStatus& st, const std::string& out) {
    std::string text = queue::first_line(out);
    if (st.exited && st.code == kDelivered) return queue::uniform_result(r, 'K', text.empty() ? "delivered" : text);
    if (st.exited && st.code == kDeliveryPermanent)
      return queue::uniform_result(r, 'D', text.empty() ? "permanent failure" : text);
    if (st.exited && st.code == kDeliveryTemporary)
      return queue::uniform_result(r, 'Z', text.empty() ? "temporary failure" : text);
    std::string why = "delivery agent " + st.describe();
    return queue::uniform_result(r, 'Z', text.empty() ? why : why + ": " + text);
  };
  return h;
}

}  // namespace posta::lspawn
