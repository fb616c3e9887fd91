#include "send_loop.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "event/event_ptr.h"
#include "io/fd.h"
#include "log/log.h"
#include "queue/control_proto.h"
#include "send.h"

namespace posta::send {
namespace {

struct Peer {
  explicit Peer(const char* n) : name(n) {}
  const char* name;
  bufferevent* out = nullptr;
  bufferevent* in = nullptr;
  queue::FrameReader reader;
};

// Plain struct: the libevent callbacks below are its hands.
struct Loop {
  Loop(const std::string& home)
      : home_(home), spool_(queue::Spool::from_home(home)),
        sched_(home, Config::load(home), Outputs{[this](queue::Channel ch, const queue::DeliveryRequest& r) {
                                                    send_frame(ch == queue::Channel::kLocal ? lspawn_ : rspawn_, queue::encode(r));
                                                  },
                                                  [this](const queue::CleanRequest& r) { send_frame(clean_, queue::encode(r)); }}) {}
  ~Loop();
  Status setup(Daemon& d);
  int run(Daemon& d);

  Status setup_peer(Peer& p, int out_fd, int in_fd);
  Status setup_trigger();
  Status setup_control();
  void send_frame(Peer& p, const std::string& payload);
  void on_peer_read(Peer& p);
  void on_frame(Peer& p, const std::string& payload);
  void kick();  // after every event: pickup, dispatch, timers, maybe exit
  void fatal_peer(Peer& p, const std::string& why);
  static void peer_read_cb(bufferevent* bev, void* arg);
  static void peer_event_cb(bufferevent* bev, short what, void* arg);
  static void control_read_cb(bufferevent* bev, void* arg);
  static void control_done_cb(bufferevent* bev, void* arg);
  static void control_event_cb(bufferevent* bev, short what, void* arg);

  std::string home_;
  queue::Spool spool_;
  Scheduler sched_;
  event_base* base_ = event_base_new();
  Peer lspawn_{"posta-lspawn"}, rspawn_{"posta-rspawn"}, clean_{"posta-clean"};
  Fd trigger_fd_, mutex_fd_;
  event* trigger_ev_ = nullptr;
  event* wake_ev_ = nullptr;   // next retry due / pickup continuation
  event* scan_ev_ = nullptr;   // periodic scan
  EventPtr sig_ev_;
  evconnlistener* listener_ = nullptr;
  bool want_pickup_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
};

Loop* g_loop = nullptr;

Loop::~Loop() {
  for (auto* p : {&lspawn_, &rspawn_, &clean_}) {
    if (p->out) bufferevent_free(p->out);
    if (p->in) bufferevent_free(p->in);
  }
  if (listener_) evconnlistener_free(listener_);
  for (auto* e : {trigger_ev_, wake_ev_, scan_ev_})
    if (e) event_free(e);
  sig_ev_.reset();
  if (base_) event_base_free(base_);
}

Status Loop::setup_peer(Peer& p, int out_fd, int in_fd) {
  if (::fcntl(out_fd, F_GETFD) < 0 || ::fcntl(in_fd, F_GETFD) < 0)
    return fail(std::string("no pipe to ") + p.name + " (run posta-send through posta-start)");
  set_cloexec(out_fd, true);
  set_cloexec(in_fd, true);
  evutil_make_socket_nonblocking(out_fd);
  evutil_make_socket_nonblocking(in_fd);
  p.out = bufferevent_socket_new(base_, out_fd, BEV_OPT_CLOSE_ON_FREE);
  p.in = bufferevent_socket_new(base_, in_fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(p.out, nullptr, nullptr, peer_event_cb, &p);
  bufferevent_setcb(p.in, peer_read_cb, nullptr, peer_event_cb, &p);
  bufferevent_enable(p.out, EV_WRITE);
  bufferevent_enable(p.in, EV_READ);
  return {};
}

void Loop::send_frame(Peer& p, const std::string& payload) {
  std::string f = queue::frame(payload);
  bufferevent_write(p.out, f.data(), f.size());
}

void Loop::peer_read_cb(bufferevent* bev, void* arg) {
  auto& p = *static_cast<Peer*>(arg);
  evbuffer* in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  std::string data(n, '\0');
  evbuffer_remove(in, data.data(), n);
  p.reader.feed(data);
  g_loop->on_peer_read(p);
}

void Loop::on_peer_read(Peer& p) {
  for (;;) {
    auto f = p.reader.next();
    if (!f) return fatal_peer(p, f.error().what);
    if (!*f) break;
    on_frame(p, **f);
  }
  kick();
}

void Loop::on_frame(Peer& p, const std::string& payload) {
  if (&p == &clean_) {
    auto r = queue::decode_clean_result(payload);
    if (!r) return fatal_peer(p, r.error().what);
    sched_.on_clean(*r);
    return;
  }
  auto r = queue::decode_result(payload);
  if (!r) return fatal_peer(p, r.error().what);
  sched_.on_result(&p == &lspawn_ ? queue::Channel::kLocal : queue::Channel::kRemote, *r);
}

void Loop::peer_event_cb(bufferevent*, short what, void* arg) {
  auto& p = *static_cast<Peer*>(arg);
  g_loop->fatal_peer(p, (what & BEV_EVENT_EOF) ? "pipe closed" : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

void Loop::fatal_peer(Peer& p, const std::string& why) {
  log::error("lost ", p.name, ": ", why, "; exiting so that the supervisor restarts the family");
  exit_code_ = kExitTemporary;
  event_base_loopbreak(base_);
}

void on_trigger(evutil_socket_t fd, short, void*) {
  char buf[256];
  while (::read(fd, buf, sizeof buf) > 0) {}
  g_loop->want_pickup_ = true;
  g_loop->kick();
}

void on_wake(evutil_socket_t, short, void*) { g_loop->kick(); }

void on_scan(evutil_socket_t, short, void*) {
  g_loop->want_pickup_ = true;
  g_loop->sched_.periodic();
  g_loop->kick();
}

void on_signal(int sig) {
  Loop& l = *g_loop;
  if (sig == SIGALRM) {
    log::info("ALRM: retrying every deferred recipient now");
    l.want_pickup_ = true;
    l.sched_.flush();
  } else if (sig == SIGHUP) {
    log::info("HUP: rereading control files");
    l.sched_.reload(Config::load(l.home_));
    l.want_pickup_ = true;
  } else {
    log::info("TERM: finishing ", l.sched_.in_flight(), " deliveries in progress, then exiting");
    l.stopping_ = true;
    l.sched_.stop_dispatching();
  }
  l.kick();
}

Status Loop::setup_trigger() {
  auto fd = open_fd(spool_.trigger(), O_RDWR | O_NONBLOCK);
  if (!fd) return std::unexpected(fd.error());
  trigger_fd_ = std::move(*fd);
  trigger_ev_ = event_new(base_, trigger_fd_.get(), EV_READ | EV_PERSIST, on_trigger, nullptr);
  event_add(trigger_ev_, nullptr);
  return {};
}

void Loop::control_read_cb(bufferevent* bev, void*) {
  evbuffer* in = bufferevent_get_input(bev);
  size_t len = 0;
  char* line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
  std::string reply;
  if (!line) {
    if (evbuffer_get_length(in) <= queue::kMaxControlLine) return;
    reply = "error request too long";
  } else {
    auto req = queue::parse_control(std::string_view(line, len));
    std::free(line);
    reply = req ? g_loop->sched_.control(req->command, req->id) : "error " + req.error().what;
    g_loop->kick();
  }
  reply += "\n";
  bufferevent_disable(bev, EV_READ);
  bufferevent_setcb(bev, nullptr, control_done_cb, control_event_cb, nullptr);
  bufferevent_write(bev, reply.data(), reply.size());
}

void Loop::control_done_cb(bufferevent* bev, void*) {
  if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) bufferevent_free(bev);
}

void Loop::control_event_cb(bufferevent* bev, short, void*) { bufferevent_free(bev); }

void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void*) {
  bufferevent* bev = bufferevent_socket_new(g_loop->base_, fd, BEV_OPT_CLOSE_ON_FREE);
  timeval tv{10, 0};
  bufferevent_set_timeouts(bev, &tv, &tv);
  bufferevent_setcb(bev, Loop::control_read_cb, nullptr, Loop::control_event_cb, nullptr);
  bufferevent_enable(bev, EV_READ);
}

Status Loop::setup_control() {
  std::string path = spool_.control_socket();
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return fail("control socket path too long: " + path);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  mode_t old = ::umask(007);
  listener_ = evconnlistener_new_bind(base_, on_accept, nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
                                      reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::umask(old);
  if (!listener_) return fail_sys("unable to listen on " + path);
  return {};
}

Status Loop::setup(Daemon& d) {
  g_loop = this;
  if (!base_) return fail("unable to create the event base");
  if (auto s = spool_.ensure(); !s) return s;
  auto m = open_fd(spool_.sendmutex(), O_RDWR | O_CREAT, 0600);
  if (!m) return std::unexpected(m.error());
  if (::flock(m->get(), LOCK_EX | LOCK_NB) != 0) return fail_sys("another posta-send runs on this spool");
  mutex_fd_ = std::move(*m);
  for (auto [p, o, i] : {std::tuple{&lspawn_, 3, 4}, std::tuple{&rspawn_, 5, 6}, std::tuple{&clean_, 7, 8}})
    if (auto s = setup_peer(*p, o, i); !s) return s;
  if (auto s = setup_trigger(); !s) return s;
  if (auto s = setup_control(); !s) return s;
  auto sig = watch_signals(base_, d, on_signal);
  if (!sig) return std::unexpected(sig.error());
  sig_ev_ = std::move(*sig);
  wake_ev_ = evtimer_new(base_, on_wake, nullptr);
  scan_ev_ = event_new(base_, -1, EV_PERSIST, on_scan, nullptr);
  return {};
}

void Loop::kick() {
  if (want_pickup_ && !stopping_) {
    want_pickup_ = sched_.pickup();  // more waiting: continue after the other events
  }
  sched_.dispatch();
  if (stopping_ && sched_.in_flight() == 0 && sched_.cleaning() == 0) {
    event_base_loopbreak(base_);
    return;
  }
  long long w = want_pickup_ ? 0 : sched_.next_wakeup();
  if (w >= 0) {
    timeval tv{static_cast<time_t>(std::min<long long>(w, 3600)), w == 0 ? 1000 : 0};
    evtimer_add(wake_ev_, &tv);
  }
}

int Loop::run(Daemon& d) {
  sched_.load_existing();
  timeval scan{static_cast<time_t>(Config::load(home_).scan_interval), 0};
  event_add(scan_ev_, &scan);
  kick();
  d.ready();
  log::info("started: spool ", spool_.root());
  event_base_dispatch(base_);
  if (exit_code_ == 0) log::info("stopped");
  return exit_code_;
}

}  // namespace

int run_loop(const std::string& home, Daemon& d) {
  auto loop = std::make_unique<Loop>(home);
  if (auto s = loop->setup(d); !s) {
    log::error("fatal: ", s.error().what);
    return kExitTemporary;
  }
  return loop->run(d);
}

}  // namespace posta::send
