#include "queue/inject.h"

#include <signal.h>

#include <cctype>
#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "queue/queued_client.h"
#include "queue/queued_proto.h"

namespace posta::queue {
namespace {

constexpr size_t kMaxText = 200;

std::string first_line(std::string_view s) {
  size_t end = std::min(s.find_first_of(std::string_view("\r\n\0", 3)), kMaxText);
  return log::printable(s.substr(0, std::min(end, s.size())));
}

// "5.7.1 text" -> r.status "5.7.1" and r.text "text"; without a code of the right class
// the default status stays and the whole line is the text.
void split_status(std::string_view line, Refusal& r) {
  size_t sp = line.find(' ');
  std::string_view first = line.substr(0, sp);
  int dots = 0;
  bool ok = sp != std::string_view::npos && first.size() >= 5 && first[0] == r.status[0] && first[1] == '.';
  for (char c : first) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) ok = false;
  }
  if (ok && dots == 2) {
    r.status = std::string(first);
    line = line.substr(sp + 1);
  }
  r.text = std::string(line);
}

// Exit 82's text: 'D' permanent, 'Z' temporary, then the reply.
Refusal custom_refusal(std::string_view text) {
  bool perm = text[0] == 'D';
  Refusal r{perm, perm ? "5.3.0" : "4.3.0", ""};
  split_status(first_line(text.substr(1)), r);
  if (r.text.empty()) r.text = perm ? "Message refused" : "Message temporarily refused, please try again later";
  return r;
}

std::string later(std::string what) { return what + ", please try again later"; }

}  // namespace

int Refusal::reply_code() const {
  if (!permanent) return 451;
  return status.starts_with("5.7.") ? 550 : 554;
}

Refusal queue_trouble(std::string text) { return {false, "4.3.0", std::move(text)}; }

Refusal classify_exit(const ExitStatus& st, std::string_view fd6_text) {
  if (!st.exited) return queue_trouble(later("Queue program crashed (" + st.describe() + ")"));
  int code = st.code;
  if (code == kQueueCustomMessage && !fd6_text.empty() && (fd6_text[0] == 'D' || fd6_text[0] == 'Z'))
    return custom_refusal(fd6_text);
  if (code == kQueueAddressTooLong) return {true, "5.1.3", "Address too long"};
  if (code == kQueueRefusedPermanently) return {true, "5.3.0", "Message refused"};
  if (code >= 11 && code <= 40) return {true, "5.3.0", "Message refused (queue exit " + std::to_string(code) + ")"};
  if (code == kQueueWriteError) return {false, "4.3.1", later("Queue write error or disk full")};
  if (code == kQueueRefusedTemporarily) return queue_trouble(later("Message temporarily refused"));
  return queue_trouble(later("Queue trouble (exit " + std::to_string(code) + ")"));
}

std::string queue_program(std::string_view configured) {
  if (const char* q = std::getenv("POSTA_QUEUE"); q && *q) return q;
  if (!configured.empty()) return std::string(configured);
  return sibling("posta-queue");
}

struct Injector::Pipes {
  Pipe msg, env, fd6, id;
  static Result<Pipes> make() {
    auto msg = Pipe::make();
    auto env = Pipe::make();
    auto fd6 = Pipe::make();
    auto id = Pipe::make();
    if (!msg || !env || !fd6 || !id) return fail_sys("unable to create pipes");
    return Pipes{std::move(*msg), std::move(*env), std::move(*fd6), std::move(*id)};
  }
};

std::unique_ptr<Injector> Injector::from_pipes(Pipes& p) {
  std::unique_ptr<Injector> in(new Injector);
  in->msg_ = std::move(p.msg.write);
  in->env_ = std::move(p.env.write);
  in->fd6_ = std::move(p.fd6.read);
  in->idfd_ = std::move(p.id.read);
  return in;
}

// Our copies of the ends the daemon got close with p, so only it can read the message.
std::unique_ptr<Injector> Injector::try_resident(const std::vector<std::string>& env, const Resident& where) {
  auto p = Pipes::make();
  if (!p) return nullptr;
  QueuedFds fds{p->msg.read.get(), p->env.read.get(), p->fd6.write.get(), p->id.write.get()};
  // a daemon reads only the names its frame may carry; TCPREMOTEIP comes from our environment
  std::vector<std::string> frame_env;
  for (auto& e : env)
    for (auto name : where.kind->names)
      if (name != "TCPREMOTEIP" && e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=')
        frame_env.push_back(e);
  auto conn = hand_to_queued(where.socket, frame_env, fds, kQueuedAnswerMs, *where.kind);
  if (!conn) {
    // down (no socket, nobody listening) is normal; anything else is worth a line
    if (conn.error().code != ENOENT && conn.error().code != ECONNREFUSED)
      log::warning(where.name, ": ", conn.error().what, "; running the program");
    return nullptr;
  }
  auto in = from_pipes(*p);
  in->queued_ = std::move(*conn);
  in->name_ = where.name;
  return in;
}

// The daemon that takes the place of program, if there is one: posta-queued for posta-queue,
// posta-spamcheck serve for posta-spamcheck (the same program, or its set-user-id copy).
std::optional<Injector::Resident> Injector::resident_for(const std::string& program) {
  std::string home = posta_home();
  if (program == sibling("posta-queue")) return Resident{queued_socket(home), &kQueuedFrame, "posta-queued"};
  if (program.ends_with("/posta-spamcheck") || program == "posta-spamcheck")
    return Resident{filter_socket(home), &kFilterFrame, "posta-spamcheck serve"};
  return std::nullopt;
}

Result<std::unique_ptr<Injector>> Injector::open(InjectOptions o) {
  ::signal(SIGPIPE, SIG_IGN);
  if (o.program.empty()) o.program = queue_program();
  if (o.resident)
    if (auto where = resident_for(o.program))
      if (auto in = try_resident(o.env, *where)) return in;
  // fresh pipes: a daemon that got the others and did not answer must not share these
  auto p = Pipes::make();
  if (!p) return std::unexpected(p.error());
  o.env.push_back("POSTA_QUEUE_IDFD=7");
  SpawnOptions opt;
  opt.fds = {{p->msg.read.get(), 0}, {p->env.read.get(), 1}, {p->fd6.write.get(), 6}, {p->id.write.get(), 7}};
  opt.env = std::move(o.env);
  auto child = spawn({o.program}, opt);
  if (!child) return fail("unable to run " + o.program + ": " + child.error().what, child.error().code);
  auto in = from_pipes(*p);
  in->child_ = std::move(*child);
  in->name_ = o.program;
  return in;
}

Injector::~Injector() {
  if (child_.pid() > 0 || queued_) abort();
}

void Injector::write(std::string_view bytes) {
  if (!broken_.empty() || bytes.empty()) return;
  if (auto st = write_all(msg_.get(), bytes); !st) broken_ = st.error().what;
}

// The queue's verdict: posta-queue's exit status, or posta-queued's "exit N".
Result<ExitStatus> Injector::wait_queue() {
  if (!queued_) return child_.wait();
  auto code = wait_queued_exit(queued_.get());
  queued_.reset();
  if (!code) return std::unexpected(code.error());
  return ExitStatus{true, *code};
}

Injected Injector::close(const Envelope& env) {
  msg_.reset();
  // a queue that stopped reading the message has refused it: its exit code says why
  if (broken_.empty()) (void)write_all(env_.get(), encode_injected(env));
  env_.reset();
  bool resident = static_cast<bool>(queued_);
  auto st = wait_queue();
  if (!st) {
    log::warning(name_, ": ", st.error().what);
    return std::unexpected(queue_trouble(later(resident ? "Queue writer went away" : "Unable to wait for the queue")));
  }
  if (!st->ok()) {
    auto text = read_all(fd6_.get(), 4096);
    return std::unexpected(classify_exit(*st, text ? *text : ""));
  }
  auto id = read_all(idfd_.get(), 256);
  return id ? first_line(*id) : "";
}

void Injector::abort() {
  msg_.reset();
  env_.reset();
  if (queued_ || child_.pid() > 0) (void)wait_queue();
}

Injected inject(std::string_view message, const Envelope& env, InjectOptions o) {
  auto in = Injector::open(std::move(o));
  if (!in) return std::unexpected(queue_trouble(later(in.error().what)));
  (*in)->write(message);
  return (*in)->close(env);
}

}  // namespace posta::queue
