#include "scan/clamd.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "io/deadline.h"
#include "log/log.h"
#include "net/address.h"
#include "scan/settings.h"

namespace posta::scan {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxChunk = 1 << 20;
constexpr size_t kMaxReply = 4096;

Result<ClamdConfig> parse_address(std::string_view a) {
  ClamdConfig c;
  c.address = std::string(a);
  if (a.starts_with("unix:")) {
    std::string path(a.substr(5));
    sockaddr_un un{};
    if (path.empty() || path[0] != '/') return fail("clamd: unix socket path is not absolute: " + path);
    if (path.size() >= sizeof un.sun_path) return fail("clamd: unix socket path too long: " + path);
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    std::memcpy(&c.addr, &un, sizeof un);
    c.addr_len = sizeof un;
    return c;
  }
  size_t colon = a.rfind(':');
  if (colon == std::string_view::npos) return fail("clamd: not unix:/path or IP:PORT: " + c.address);
  auto port = net::parse_port(a.substr(colon + 1));
  if (!port) return fail("clamd: invalid port in " + c.address);
  auto b = net::bind_addr(a.substr(0, colon), a.substr(colon + 1));
  if (!b) return fail("clamd: " + b.error().what);
  c.addr = b->ss;
  c.addr_len = b->len;
  return c;
}

Result<Fd> connect_clamd(const ClamdConfig& c) {
  Fd fd(::socket(c.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail_sys("socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&c.addr), c.addr_len) < 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) return fail_sys("unable to connect to clamd at " + c.address);
    if (!wait_fd(fd.get(), POLLOUT, Clock::now() + c.connect_timeout))
      return fail("unable to connect to clamd at " + c.address + ": timeout", ETIMEDOUT);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return fail_sys("unable to connect to clamd at " + c.address, err);
  }
  return fd;
}

// clamd's answer: the bytes up to the first NUL. Error code ECONNRESET when the connection
// ended before the NUL (with the partial answer in the message).
Result<std::string> read_reply(int fd, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string reply;
  char buf[512];
  while (reply.size() < kMaxReply) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      reply.append(buf, static_cast<size_t>(n));
      if (size_t nul = reply.find('\0'); nul != std::string::npos) return reply.substr(0, nul);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      std::string why = n == 0 ? "connection closed" : std::strerror(errno);
      if (reply.empty()) return fail("clamd gave no answer: " + why, ECONNRESET);
      return fail("clamd's answer was cut short (" + why + "): " + log::printable(reply, 100), ECONNRESET);
    }
    if (errno == EAGAIN && !wait_fd(fd, POLLIN, deadline))
      return fail("no answer from clamd within " + std::to_string(timeout.count() / 1000) + " s", ETIMEDOUT);
  }
  return fail("clamd's answer is too long: " + log::printable(reply, 100));
}

std::string be32(uint32_t n) {
  uint32_t be = htonl(n);
  return std::string(reinterpret_cast<const char*>(&be), 4);
}

}  // namespace

Result<ClamdConfig> ClamdConfig::parse(const std::vector<std::string>& lines) {
  if (lines.empty()) return fail("clamd: no address");
  POSTA_TRY(ClamdConfig c, parse_address(lines[0]));
  for (size_t i = 1; i < lines.size(); ++i) {
    POSTA_TRY(auto kv, split_setting(lines[i]));
    auto& [name, value] = kv;
    if (name == "streammax") {
      POSTA_TRY(c.stream_max, parse_bytes(value));
      if (c.stream_max == 0) return fail("clamd: streammax must be more than 0");
    } else if (name == "connecttimeout" || name == "timeout") {
      auto secs = parse_uint(value);
      if (!secs || *secs == 0 || *secs > 3600)
        return fail("clamd: " + name + " is not a number of seconds (1..3600): " + value);
      (name == "timeout" ? c.timeout : c.connect_timeout) = milliseconds(*secs * 1000);
    } else {
      return fail("clamd: unknown setting: " + name);
    }
  }
  return c;
}

Result<std::optional<ClamdConfig>> ClamdConfig::load(const Control& control) {
  if (!control.exists("clamd")) return std::optional<ClamdConfig>();
  auto c = parse(control.lines("clamd"));
  if (!c) return fail("control/" + c.error().what);
  return std::optional<ClamdConfig>(std::move(*c));
}

std::string describe(const ClamdResult& r) {
  std::string s;
  switch (r.kind) {
    case ClamdResult::Kind::clean: s = "clean"; break;
    case ClamdResult::Kind::virus: s = "virus " + r.detail; break;
    case ClamdResult::Kind::unavailable: s = "unavailable: " + r.detail; break;
    case ClamdResult::Kind::error: s = "error: " + r.detail; break;
  }
  if (r.truncated())
    s += " (scanned " + std::to_string(r.scanned) + " of " + std::to_string(r.fed) + " bytes)";
  return s;
}

ClamdResult parse_instream_reply(std::string_view reply) {
  using K = ClamdResult::Kind;
  std::string_view r = reply;
  if (r.starts_with("stream: ")) r.remove_prefix(8);
  if (r == "OK") return {K::clean, ""};
  if (r.ends_with(" FOUND") && r.size() > 6) {
    auto name = trim(r.substr(0, r.size() - 6));
    if (!name.empty()) return {K::virus, log::printable(name, 200)};
  }
  if (r.ends_with("ERROR")) return {K::error, "clamd: " + log::printable(reply, 200)};
  return {K::error, "unexpected answer from clamd: " + log::printable(reply, 200)};
}

ClamdScan ClamdScan::open(const ClamdConfig& config) {
  ClamdScan s(config);
  auto fd = connect_clamd(config);
  if (!fd) {
    s.fail(ClamdResult::Kind::unavailable, fd.error().what);
    return s;
  }
  s.sock_ = std::move(*fd);
  if (auto w = write_all_timed(s.sock_.get(), std::string_view("zINSTREAM\0", 10), config.timeout); !w)
    s.fail(ClamdResult::Kind::unavailable, "unable to send INSTREAM to clamd: " + w.error().what);
  return s;
}

void ClamdScan::fail(ClamdResult::Kind kind, std::string why) {
  failed_ = ClamdResult{kind, std::move(why)};
  sock_.reset();
}

// clamd answers early and closes when it refuses more data (its size limit): its answer says why.
ClamdResult ClamdScan::answer_after_write_error(const Error& e) {
  auto reply = read_reply(sock_.get(), milliseconds(1000));
  if (reply) return parse_instream_reply(*reply);
  return {ClamdResult::Kind::error, "unable to send to clamd: " + e.what};
}

void ClamdScan::feed(std::string_view data) {
  fed_ += data.size();
  if (failed_) return;
  uint64_t room = config_.stream_max - sent_;
  if (data.size() > room) data = data.substr(0, room);
  while (!data.empty()) {
    auto chunk = data.substr(0, kMaxChunk);
    auto w = write_all_timed(sock_.get(), be32(static_cast<uint32_t>(chunk.size())), config_.timeout);
    if (w) w = write_all_timed(sock_.get(), chunk, config_.timeout);
    if (!w) {
      auto r = answer_after_write_error(w.error());
      fail(r.kind, r.detail);
      return;
    }
    sent_ += chunk.size();
    data.remove_prefix(chunk.size());
  }
}

ClamdResult ClamdScan::finish() {
  ClamdResult r;
  if (failed_) {
    r = *failed_;
  } else if (auto w = write_all_timed(sock_.get(), be32(0), config_.timeout); !w) {
    r = answer_after_write_error(w.error());
  } else if (auto reply = read_reply(sock_.get(), config_.timeout); !reply) {
    r = {ClamdResult::Kind::error, reply.error().what};
  } else {
    r = parse_instream_reply(*reply);
  }
  sock_.reset();
  failed_ = r;
  r.fed = fed_;
  r.scanned = sent_;
  return r;
}

ClamdResult clamd_scan(const ClamdConfig& config, std::string_view data) {
  auto s = ClamdScan::open(config);
  s.feed(data);
  return s.finish();
}

ClamdResult clamd_scan_fd(const ClamdConfig& config, int fd) {
  auto s = ClamdScan::open(config);
  std::string buf(64 << 10, '\0');
  for (;;) {
    auto n = read_full(fd, buf.data(), buf.size());
    if (!n) {
      auto r = s.finish();
      return {ClamdResult::Kind::error, "unable to read the message: " + n.error().what, r.fed, r.scanned};
    }
    if (*n == 0) break;
    s.feed(std::string_view(buf.data(), *n));
    if (*n < buf.size()) break;
  }
  return s.finish();
}

Status clamd_ping(const ClamdConfig& config) {
  POSTA_TRY(Fd fd, connect_clamd(config));
  if (auto w = write_all_timed(fd.get(), std::string_view("zPING\0", 6), config.timeout); !w)
    return fail("unable to send PING to clamd: " + w.error().what);
  POSTA_TRY(std::string reply, read_reply(fd.get(), config.timeout));
  if (reply != "PONG") return fail("unexpected answer to PING from clamd: " + log::printable(reply, 100));
  return {};
}

}  // namespace posta::scan
