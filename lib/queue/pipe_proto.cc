#include "queue/pipe_proto.h"

#include <charconv>

#include "control/control.h"

namespace posta::queue {

std::string frame(std::string_view payload) {
  std::string out = std::to_string(payload.size());
  out += ':';
  out += payload;
  out += ',';
  return out;
}

Result<std::optional<std::string>> FrameReader::next() {
  std::string_view b(buf_);
  b.remove_prefix(pos_);
  size_t colon = b.find(':');
  if (colon == std::string_view::npos) {
    if (b.size() > 8) return fail("frame length too long");
    for (char c : b)
      if (c < '0' || c > '9') return fail("bad frame length");
    return std::nullopt;
  }
  size_t len = 0;
  auto [p, ec] = std::from_chars(b.data(), b.data() + colon, len);
  if (colon == 0 || ec != std::errc() || p != b.data() + colon || (colon > 1 && b[0] == '0'))
    return fail("bad frame length");
  if (len > kMaxFrame) return fail("frame too large");
  if (b.size() < colon + 1 + len + 1) return std::nullopt;
  if (b[colon + 1 + len] != ',') return fail("frame without its ','");
  std::string payload(b.substr(colon + 1, len));
  pos_ += colon + 1 + len + 1;
  if (pos_ > 65536 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return payload;
}

namespace {

std::vector<std::string_view> fields_of(std::string_view payload) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t nul = payload.find('\0', start);
    out.push_back(payload.substr(start, nul - start));
    if (nul == std::string_view::npos) return out;
    start = nul + 1;
  }
}

std::string join(std::initializer_list<std::string_view> head, const std::vector<std::string>& tail = {}) {
  std::string out;
  bool first = true;
  for (auto f : head) {
    if (!first) out += '\0';
    out += f;
    first = false;
  }
  for (auto& f : tail) {
    out += '\0';
    out += f;
  }
  return out;
}

template <class T>
bool number(std::string_view v, T& out) {
  if (v.empty() || (v.size() > 1 && v[0] == '0')) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

std::string encode(const DeliveryRequest& r) {
  std::string env;
  for (auto& e : r.env) env += (env.empty() ? "" : "\n") + e;
  return join({"d", std::to_string(r.slot), r.id, r.sender, std::to_string(r.queued_at), r.host, env}, r.rcpts);
}

std::string encode(const DeliveryResult& r) {
  std::vector<std::string> tail;
  for (auto& x : r.rcpts) tail.push_back(std::string(1, x.status) + x.text);
  return join({"r", std::to_string(r.slot), std::string(1, r.final), r.text}, tail);
}

std::string encode(const CleanRequest& r) { return join({"c", r.id}); }

std::string encode(const CleanResult& r) { return join({"c", r.id, r.ok ? "1" : "0", r.text}); }

Result<DeliveryRequest> decode_request(std::string_view payload) {
  auto f = fields_of(payload);
  DeliveryRequest r;
  if (f.size() < 8 || f[0] != "d" || !number(f[1], r.slot) || f[2].empty() || !number(f[4], r.queued_at))
    return fail("malformed delivery request");
  r.id = f[2];
  r.sender = f[3];
  r.host = f[5];
  if (!f[6].empty())
    for (auto& e : split(std::string(f[6]), '\n')) {
      if (e.find('=') == std::string::npos || e[0] == '=') return fail("malformed delivery request: bad env");
      r.env.push_back(e);
    }
  for (size_t i = 7; i < f.size(); ++i) {
    if (f[i].empty()) return fail("malformed delivery request: empty recipient");
    r.rcpts.emplace_back(f[i]);
  }
  return r;
}

Result<DeliveryResult> decode_result(std::string_view payload) {
  auto f = fields_of(payload);
  DeliveryResult r;
  if (f.size() < 4 || f[0] != "r" || !number(f[1], r.slot) || f[2].size() != 1 ||
      std::string_view("KZD").find(f[2][0]) == std::string_view::npos)
    return fail("malformed delivery result");
  r.final = f[2][0];
  r.text = f[3];
  for (size_t i = 4; i < f.size(); ++i) {
    if (f[i].empty() || std::string_view("rhs").find(f[i][0]) == std::string_view::npos)
      return fail("malformed delivery result: bad recipient status");
    r.rcpts.push_back(RcptResult{f[i][0], std::string(f[i].substr(1))});
  }
  return r;
}

Result<CleanRequest> decode_clean_request(std::string_view payload) {
  auto f = fields_of(payload);
  if (f.size() != 2 || f[0] != "c" || f[1].empty()) return fail("malformed clean request");
  return CleanRequest{std::string(f[1])};
}

Result<CleanResult> decode_clean_result(std::string_view payload) {
  auto f = fields_of(payload);
  if (f.size() != 4 || f[0] != "c" || f[1].empty() || (f[2] != "1" && f[2] != "0"))
    return fail("malformed clean result");
  return CleanResult{std::string(f[1]), f[2] == "1", std::string(f[3])};
}

DeliveryResult parse_agent_report(std::string_view report, size_t n) {
  DeliveryResult r;
  auto items = fields_of(report);
  // fields_of yields a trailing empty piece after the last NUL; a report without one is short.
  bool complete_last = !report.empty() && report.back() == '\0';
  if (complete_last) items.pop_back();
  else if (!items.empty()) items.pop_back();  // an unterminated piece does not count
  size_t i = 0;
  for (; i < n && i < items.size(); ++i) {
    auto it = items[i];
    if (it.empty() || std::string_view("rhs").find(it[0]) == std::string_view::npos) break;
    r.rcpts.push_back(RcptResult{it[0], std::string(it.substr(1))});
  }
  bool final_ok = i == n && i < items.size() && !items[i].empty() &&
                  std::string_view("KZD").find(items[i][0]) != std::string_view::npos;
  if (final_ok) {
    r.final = items[i][0];
    r.text = std::string(items[i].substr(1));
  } else {
    r.final = 'Z';
    r.text = "delivery agent report incomplete";
  }
  while (r.rcpts.size() < n) r.rcpts.push_back(RcptResult{'s', "delivery agent report incomplete"});
  return r;
}

}  // namespace posta::queue
