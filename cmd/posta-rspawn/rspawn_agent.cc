#include <unistd.h>

#include <cstdlib>

#include "base/exitcode.h"
#include "rspawn.h"

namespace posta::rspawn {

std::string agent() {
  const char* a = std::getenv("POSTA_REMOTE");  // tests may put a stand-in here
  return a && *a ? a : sibling("posta-remote");
}

queue::SpawnerHooks hooks() {
  queue::SpawnerHooks h;
  h.command = [](const queue::DeliveryRequest& r) {
    queue::AgentCommand c;
    std::string a = agent();
    if (::access(a.c_str(), X_OK) != 0) {
      c.refuse = "4.3.0 remote delivery not available (no posta-remote)";
      return c;
    }
    c.argv = {a, r.host, r.sender};
    for (auto& x : r.rcpts) c.argv.push_back(x);
    return c;
  };
  h.result = [](const queue::DeliveryRequest& r, const ExitStatus& st, const std::string& out) {
    if (st.exited && st.code == 0) {
      auto res = queue::parse_agent_report(out, r.rcpts.size());
      res.slot = r.slot;
      return res;
    }
    std::string text = queue::first_line(out);
    std::string why = "posta-remote " + st.describe();
    return queue::uniform_result(r, 'Z', text.empty() ? why : why + ": " + text);
  };
  return h;
}

}  // namespace posta::rspawn
