#include "dns/resolver.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "event/event_ptr.h"
#include "io/fd.h"

namespace posta::dns {
namespace {

uint16_t random_id() {
  uint16_t id = 0;
  if (::getrandom(&id, sizeof id, 0) != sizeof id) id = static_cast<uint16_t>(::getpid() ^ ::time(nullptr));
  return id;
}

// One outstanding question; its UDP socket is connected to the current server.
struct Pending {
  const Resolver* owner = nullptr;
  const std::vector<Server>* servers = nullptr;
  Question q;
  Answer* out = nullptr;
  std::chrono::milliseconds timeout{};
  int tries_left = 0;
  size_t server = 0;
  uint16_t id = 0;
  Fd sock;
  EventPtr ev;
  event_base* base = nullptr;
  std::string last_error = "no answer";
};

bool poll_wait(int fd, short what, std::chrono::milliseconds t) {
  pollfd p{fd, what, 0};
  int r;
  do r = ::poll(&p, 1, static_cast<int>(t.count()));
  while (r < 0 && errno == EINTR);
  return r > 0;
}

// A blocking TCP query with the same timeout (rare: truncated UDP answers).
Result<std::string> tcp_query(const Server& s, const std::string& query, std::chrono::milliseconds t) {
  Fd fd(::socket(s.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail_sys("socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&s.addr), s.len) < 0 && errno != EINPROGRESS)
    return fail_sys("connect to " + s.text);
  if (!poll_wait(fd.get(), POLLOUT, t)) return fail("DNS TCP connect timeout to " + s.text);
  set_nonblock(fd.get(), false);
  std::string msg;
  msg.push_back(static_cast<char>(query.size() >> 8));
  msg.push_back(static_cast<char>(query.size() & 0xff));
  msg += query;
  if (auto w = write_all(fd.get(), msg); !w) return std::unexpected(w.error());
  std::string in;
  char buf[4096];
  auto framed = [&] { return static_cast<size_t>((static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1])); };
  while (in.size() < 2 || in.size() < 2 + framed()) {
    if (!poll_wait(fd.get(), POLLIN, t)) return fail("DNS TCP timeout from " + s.text);
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) return fail("DNS TCP connection closed by " + s.text);
    in.append(buf, n);
    if (in.size() > 70000) return fail("DNS TCP answer too long");
  }
  return in.substr(2, framed());
}

void on_event(evutil_socket_t, short what, void* arg);

// Sends (or resends) the question to the next server; false when out of tries.
bool send_next(Pending& p) {
  while (p.tries_left > 0) {
    --p.tries_left;
    const Server& s = (*p.servers)[p.server % p.servers->size()];
    ++p.server;
    p.id = random_id();
    auto q = build_query(p.id, p.q.name, p.q.type);
    if (!q) {
      p.last_error = q.error().what;
      p.tries_left = 0;
      return false;
    }
    p.ev.reset();
    p.sock.reset(::socket(s.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!p.sock || ::connect(p.sock.get(), reinterpret_cast<const sockaddr*>(&s.addr), s.len) < 0 ||
        ::send(p.sock.get(), q->data(), q->size(), 0) < 0) {
      p.last_error = sys_error("send to " + s.text).what;
      continue;
    }
    p.ev.reset(event_new(p.base, p.sock.get(), EV_READ | EV_PERSIST, on_event, &p));
    timeval tv{static_cast<time_t>(p.timeout.count() / 1000),
               static_cast<suseconds_t>((p.timeout.count() % 1000) * 1000)};
    event_add(p.ev.get(), &tv);
    return true;
  }
  return false;
}

void finish(Pending& p, Answer a) {
  *p.out = std::move(a);
  p.ev.reset();
  p.sock.reset();
}

void on_event(evutil_socket_t fd, short what, void* arg) {
  auto& p = *static_cast<Pending*>(arg);
  if (what & EV_TIMEOUT) {
    p.last_error = "timeout from " + (*p.servers)[(p.server - 1) % p.servers->size()].text;
    if (!send_next(p)) finish(p, Answer{QueryStatus::kTempFail, {}, "DNS: " + p.last_error});
    return;
  }
  char buf[65536];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    p.last_error = sys_error("recv").what;  // e.g. ICMP port unreachable
    if (!send_next(p)) finish(p, Answer{QueryStatus::kTempFail, {}, "DNS: " + p.last_error});
    return;
  }
  std::string packet(buf, n);
  if (!matches_query(packet, p.id, p.q.name, p.q.type)) return;  // stray or spoofed: keep waiting
  auto r = parse_response(packet);
  if (r && r->truncated) {
    auto q = build_query(p.id, p.q.name, p.q.type);
    const Server& s = (*p.servers)[(p.server - 1) % p.servers->size()];
    auto t = tcp_query(s, q ? *q : std::string(), p.timeout);
    if (t && matches_query(*t, p.id, p.q.name, p.q.type)) r = parse_response(*t);
    else r = fail(t ? "DNS: bad TCP answer" : t.error().what);
  }
  if (!r) {
    p.last_error = r.error().what;
    if (!send_next(p)) finish(p, Answer{QueryStatus::kTempFail, {}, r.error().what});
    return;
  }
  Answer a = interpret(*r, p.q.type);
  if (a.status == QueryStatus::kTempFail && send_next(p)) return;
  finish(p, std::move(a));
}

}  // namespace

const char* status_name(QueryStatus s) {
  switch (s) {
    case QueryStatus::kOk: return "ok";
    case QueryStatus::kNoData: return "nodata";
    case QueryStatus::kNxDomain: return "nxdomain";
    case QueryStatus::kTempFail: return "tempfail";
  }
  return "?";
}

Result<Server> parse_server(const std::string& in) {
  std::string host = trim(in), port = "53";
  if (!host.empty() && host[0] == '[') {
    auto close = host.find(']');
    if (close == std::string::npos) return fail("bad resolver address " + in);
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return fail("bad resolver address " + in);
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    port = host.substr(host.find(':') + 1);
    host = host.substr(0, host.find(':'));
  }
  char* end = nullptr;
  long pn = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || pn <= 0 || pn > 65535) return fail("bad resolver port in " + in);
  Server s;
  s.text = in;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(pn));
    s.len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(pn));
    s.len = sizeof *v6;
  } else {
    return fail("bad resolver address " + in);
  }
  return s;
}

Result<std::vector<Server>> configured_servers(const Control& control, const std::string& resolv_conf) {
  std::vector<std::string> lines = control.lines("resolvers");
  std::string source = control.dir() + "/resolvers";
  if (lines.empty()) {
    source = resolv_conf;
    auto text = read_file(resolv_conf, 1 << 20);
    if (text) {
      for (auto& l : split(*text, '\n')) {
        auto t = trim(l);
        if (t.rfind("nameserver", 0) == 0 && t.size() > 10 && std::isspace(static_cast<unsigned char>(t[10])))
          lines.push_back(trim(t.substr(11)));
      }
    }
  }
  std::vector<Server> out;
  for (auto& l : lines) {
    auto s = parse_server(l);
    if (!s) return fail(source + ": " + s.error().what);
    out.push_back(std::move(*s));
  }
  if (out.empty()) return fail("no DNS servers in " + source);
  return out;
}

Result<Resolver> Resolver::from_control(const Control& control) {
  auto s = configured_servers(control);
  if (!s) return std::unexpected(s.error());
  auto t = control.number("timeoutdns", 5);
  if (t <= 0) t = 5;
  return Resolver(std::move(*s), std::chrono::seconds(t));
}

Answer interpret(const Response& r, uint16_t type) {
  Answer a;
  if (r.rcode == kNxDomain) {
    a.status = QueryStatus::kNxDomain;
    return a;
  }
  if (r.rcode != kNoError) {
    a.status = QueryStatus::kTempFail;
    a.error = "DNS: server answered rcode " + std::to_string(r.rcode);
    return a;
  }
  for (auto& rec : r.answers)
    if (rec.type == type) a.records.push_back(rec);
  a.status = a.records.empty() ? QueryStatus::kNoData : QueryStatus::kOk;
  return a;
}

std::vector<Answer> Resolver::query_all(const std::vector<Question>& qs) const {
  std::vector<Answer> answers(qs.size());
  if (servers_.empty()) {
    for (auto& a : answers) a.error = "DNS: no servers";
    return answers;
  }
  EventBasePtr base(event_base_new());
  if (!base) {
    for (auto& a : answers) a.error = "DNS: cannot create event loop";
    return answers;
  }
  std::vector<std::unique_ptr<Pending>> pending;
  for (size_t i = 0; i < qs.size(); ++i) {
    auto p = std::make_unique<Pending>();
    p->owner = this;
    p->servers = &servers_;
    p->q = qs[i];
    p->out = &answers[i];
    p->timeout = timeout_;
    p->tries_left = tries_ * static_cast<int>(servers_.size());
    p->server = i;  // spread questions over the servers
    p->base = base.get();
    if (!send_next(*p)) answers[i] = Answer{QueryStatus::kTempFail, {}, "DNS: " + p->last_error};
    pending.push_back(std::move(p));
  }
  event_base_dispatch(base.get());
  pending.clear();  // events freed before the base
  return answers;
}

Answer Resolver::query(const std::string& name, uint16_t type) const {
  return query_all({Question{name, type}}).front();
}

}  // namespace posta::dns
