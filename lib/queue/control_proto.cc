#include "queue/control_proto.h"

#include "queue/spool.h"

namespace posta::queue {

std::string encode_control(const ControlRequest& r) {
  return r.id.empty() ? r.command + "\n" : r.command + " " + r.id + "\n";
}

Result<ControlRequest> parse_control(std::string_view line) {
  if (line.size() > kMaxControlLine) return fail("request too long");
  auto sp = line.find(' ');
  ControlRequest r{std::string(line.substr(0, sp)), ""};
  if (sp != std::string_view::npos) r.id = std::string(line.substr(sp + 1));
  if (r.command == "flush") {
    if (!r.id.empty() || sp != std::string_view::npos) return fail("flush takes no argument");
    return r;
  }
  for (const char* c : {"retry", "hold", "release", "bounce", "delete"}) {
    if (r.command != c) continue;
    if (!valid_id(r.id)) return fail("bad queue id");
    return r;
  }
  return fail("unknown command");
}

}  // namespace posta::queue
