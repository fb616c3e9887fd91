#include "queue/inspect.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "io/fd.h"
#include "queue/envelope.h"
#include "queue/rcptstate.h"

namespace posta::queue {

namespace {

void fill_from_state(MessageView& v, const MessageState& st) {
  v.held = st.held;
  for (auto& r : st.rcpts) {
    if (r.index >= v.rcpts.size()) continue;
    auto& x = v.rcpts[r.index];
    x.channel = r.channel == Channel::kLocal ? "local" : "remote";
    x.attempts = r.attempts;
    x.reason = r.reason;
    x.next_try = r.status == RcptStatus::kPending ? r.next_try : 0;
    if (r.status == RcptStatus::kDelivered) x.state = "delivered";
    else if (r.status == RcptStatus::kFailed) x.state = r.reported ? "failed" : "bouncing";
    else x.state = r.attempts > 0 ? "deferred" : "queued";
  }
}

bool view_of(const Spool& spool, const std::string& id, bool picked, MessageView& v) {
  auto data = read_file(picked ? spool.info(id) : spool.todo(id), kMaxEnvelope);
  if (!data) return false;
  auto env = parse_stored(*data);
  if (!env) return false;
  v.id = id;
  v.arrival = env->arrival;
  v.sender = env->sender;
  v.picked_up = picked;
  struct stat st;
  v.size = ::stat(spool.mess(id).c_str(), &st) == 0 ? st.st_size : 0;
  for (auto& r : env->recipients) v.rcpts.push_back(RcptView{r.address, "", "queued", 0, "", 0});
  if (picked) {
    auto s = read_file(spool.state(id), 64 << 20);
    if (!s) return false;  // finished and being removed
    auto m = parse_state(*s);
    if (!m) return false;
    fill_from_state(v, *m);
  }
  return true;
}

}  // namespace

Result<std::vector<MessageView>> read_queue(const Spool& spool) {
  std::vector<MessageView> out;
  auto info = spool.list("info");
  if (!info) return std::unexpected(info.error());
  auto todo = spool.list("todo");
  if (!todo) return std::unexpected(todo.error());
  for (auto& id : *info) {
    MessageView v;
    if (view_of(spool, id, true, v)) out.push_back(std::move(v));
  }
  for (auto& id : *todo) {
    if (std::binary_search(info->begin(), info->end(), id)) continue;
    MessageView v;
    if (view_of(spool, id, false, v)) out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.arrival < b.arrival || (a.arrival == b.arrival && a.id < b.id); });
  return out;
}

std::string json_escape(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += static_cast<char>(c);
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else o += static_cast<char>(c);
  }
  return o + "\"";
}

std::string to_json(const MessageView& m) {
  std::string o = "{\"id\":" + json_escape(m.id) + ",\"arrival\":" + std::to_string(m.arrival) +
                  ",\"size\":" + std::to_string(m.size) + ",\"sender\":" + json_escape(m.sender) +
                  ",\"picked_up\":" + (m.picked_up ? "true" : "false") + ",\"held\":" + (m.held ? "true" : "false") +
                  ",\"recipients\":[";
  for (size_t i = 0; i < m.rcpts.size(); ++i) {
    auto& r = m.rcpts[i];
    if (i) o += ",";
    o += "{\"address\":" + json_escape(r.address) + ",\"channel\":" + json_escape(r.channel) +
         ",\"state\":" + json_escape(r.state) + ",\"attempts\":" + std::to_string(r.attempts) +
         ",\"reason\":" + json_escape(r.reason) + ",\"next_try\":" + std::to_string(r.next_try) + "}";
  }
  return o + "]}";
}

}  // namespace posta::queue
