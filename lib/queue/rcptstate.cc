#include "queue/rcptstate.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include "control/control.h"
#include "io/fd.h"

namespace posta::queue {

RcptState* MessageState::find(size_t index) {
  for (auto& r : rcpts)
    if (r.index == index) return &r;
  return nullptr;
}

const RcptState* MessageState::find(size_t index) const {
  return const_cast<MessageState*>(this)->find(index);
}

bool MessageState::finished() const {
  for (auto& r : rcpts)
    if (r.status == RcptStatus::kPending || (r.status == RcptStatus::kFailed && !r.reported)) return false;
  return true;
}

std::string clean_reason(std::string_view s, size_t max) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= max) break;
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string encode_record(const Record& r) {
  std::string out(1, r.type);
  auto add = [&out](const auto& v) { out += ' '; out += v; };
  switch (r.type) {
    case 'L': case 'X':
      add(std::to_string(r.index)); add(r.address); break;
    case 'D': case 'P':
      add(std::to_string(r.index)); add(std::to_string(r.time)); add(clean_reason(r.reason)); break;
    case 'S':
      add(std::to_string(r.index)); add(std::to_string(r.time)); add(std::to_string(r.next));
      add(clean_reason(r.reason)); break;
    case 'B':
      add(std::to_string(r.index)); add(std::to_string(r.time)); break;
    default:
      add(std::to_string(r.time)); break;
  }
  out += '\n';
  return out;
}

namespace {

bool number(std::string_view v, long long& out) {
  if (v.empty() || (v.size() > 1 && v[0] == '0')) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size() && out >= 0;
}

// Cuts the next space-separated field off s.
std::string_view field(std::string_view& s) {
  auto sp = s.find(' ');
  std::string_view f = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
  return f;
}

}  // namespace

Result<Record> parse_record(std::string_view line) {
  auto bad = [&line]() { return fail("malformed state record: " + clean_reason(line, 100)); };
  if (line.size() < 3 || line[1] != ' ') return bad();
  Record r;
  r.type = line[0];
  std::string_view rest = line.substr(2);
  long long idx = 0;
  bool has_index = std::string_view("LXDPSB").find(r.type) != std::string_view::npos;
  if (!has_index && std::string_view("WHU").find(r.type) == std::string_view::npos) return bad();
  if (has_index) {
    if (!number(field(rest), idx)) return bad();
    r.index = static_cast<size_t>(idx);
  }
  if (r.type == 'L' || r.type == 'X') {
    if (rest.empty()) return bad();
    r.address = std::string(rest);
    return r;
  }
  if (!number(field(rest), r.time)) return bad();
  if (r.type == 'S' && !number(field(rest), r.next)) return bad();
  if (r.type == 'D' || r.type == 'P' || r.type == 'S') {
    r.reason = std::string(rest);
    return r;
  }
  if (!rest.empty()) return bad();
  return r;
}

void apply(MessageState& m, const Record& r) {
  switch (r.type) {
    case 'L': case 'X':
      if (!m.find(r.index))
        m.rcpts.push_back(RcptState{r.index, r.address, Channel(r.type), RcptStatus::kPending, 0, 0, 0, "", false});
      return;
    case 'W': m.warned = true; return;
    case 'H': m.held = true; return;
    case 'U': m.held = false; return;
    default: break;
  }
  RcptState* s = m.find(r.index);
  if (!s) return;
  if (r.type == 'B') {
    s->reported = true;
    return;
  }
  s->attempts++;
  s->last_try = r.time;
  s->reason = r.reason;
  if (r.type == 'D') s->status = RcptStatus::kDelivered, s->next_try = 0;
  if (r.type == 'P') s->status = RcptStatus::kFailed, s->next_try = 0;
  if (r.type == 'S') s->next_try = r.next;
}

Result<MessageState> parse_state(std::string_view data, size_t* torn_at) {
  if (torn_at) *torn_at = data.size();
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos || data.substr(0, nl) != kStateMagic) return fail("state log without header");
  MessageState m;
  size_t pos = nl + 1;
  while (pos < data.size()) {
    nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (torn_at) *torn_at = pos;
      break;
    }
    auto r = parse_record(data.substr(pos, nl - pos));
    if (!r) return std::unexpected(r.error());
    if (r->type != 'L' && r->type != 'X' && r->type != 'W' && r->type != 'H' && r->type != 'U' &&
        !m.find(r->index))
      return fail("state record for unknown recipient " + std::to_string(r->index));
    apply(m, *r);
    pos = nl + 1;
  }
  return m;
}

Status create_state(const std::string& path, const std::vector<Record>& initial, bool sync_dir) {
  std::string data(kStateMagic);
  data += '\n';
  for (auto& r : initial) data += encode_record(r);
  if (sync_dir) return write_file_atomic(path, data, 0640);
  std::string tmp = dirname_of(path) + "/.tmp." + path.substr(path.rfind('/') + 1);
  auto fd = open_fd(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  if (!fd) return std::unexpected(fd.error());
  auto w = write_all(fd->get(), data);
  if (!w || ::fsync(fd->get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = w ? sys_error("unable to write " + path) : w.error();
    ::unlink(tmp.c_str());
    return std::unexpected(e);
  }
  return {};
}

Result<MessageState> load_state(const std::string& path) {
  auto data = read_file(path, 64 << 20);
  if (!data) return std::unexpected(data.error());
  size_t torn = 0;
  auto m = parse_state(*data, &torn);
  if (!m) return fail(m.error().what + " in " + path);
  if (torn < data->size()) {
    auto fd = open_fd(path, O_WRONLY);
    if (!fd) return std::unexpected(fd.error());
    if (::ftruncate(fd->get(), static_cast<off_t>(torn)) != 0 || ::fdatasync(fd->get()) != 0)
      return fail_sys("unable to repair " + path);
  }
  return m;
}

Status append_state(const std::string& path, const Record& r) {
  return append_state(path, std::vector<Record>{r});
}

Status append_state(const std::string& path, const std::vector<Record>& recs) {
  std::string data;
  for (auto& r : recs) data += encode_record(r);
  auto fd = open_fd(path, O_WRONLY | O_APPEND);
  if (!fd) return std::unexpected(fd.error());
  if (auto w = write_all(fd->get(), data); !w) return fail(w.error().what + " " + path, w.error().code);
  if (::fdatasync(fd->get()) != 0) return fail_sys("unable to fsync " + path);
  return {};
}

}  // namespace posta::queue
