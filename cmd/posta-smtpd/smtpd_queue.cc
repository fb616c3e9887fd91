#include "smtpd_queue.h"

#include <cctype>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "queue/queued_client.h"

namespace posta::smtpd {
namespace {

// "5.7.1 text" -> enhanced code and the rest; keeps def when the text has none.
void split_enhanced(std::string_view text, std::string& enhanced, std::string& rest) {
  size_t sp = text.find(' ');
  std::string_view first = text.substr(0, sp);
  int dots = 0;
  bool ok = first.size() >= 5 && (first[0] == '4' || first[0] == '5') && first[1] == '.';
  for (char c : first) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) ok = false;
  }
  if (ok && dots == 2 && sp != std::string_view::npos) {
    enhanced = std::string(first);
    rest = std::string(text.substr(sp + 1));
  } else {
    rest = std::string(text);
  }
}

std::string first_line(std::string_view s) {
  size_t nl = s.find_first_of("\r\n");
  return std::string(s.substr(0, nl == std::string_view::npos ? 200 : std::min<size_t>(nl, 200)));
}

}  // namespace

QueueOutcome map_queue_exit(const ExitStatus& st, std::string_view fd6_text, std::string_view id) {
  QueueOutcome o;
  std::string custom = first_line(fd6_text);
  if (!custom.empty() && (custom[0] == 'D' || custom[0] == 'Z')) {
    bool perm = custom[0] == 'D';
    o.code = perm ? 554 : 451;
    o.enhanced = perm ? "5.3.0" : "4.3.0";
    split_enhanced(std::string_view(custom).substr(1), o.enhanced, o.text);
    if (o.enhanced[0] != (perm ? '5' : '4')) o.enhanced = perm ? "5.3.0" : "4.3.0";
    if (o.text.empty()) o.text = perm ? "Message refused" : "Message temporarily refused";
    return o;
  }
  if (st.exited && st.code == kQueueOk) {
    o.code = 250;
    o.enhanced = "2.0.0";
    o.id = std::string(id);
    o.text = id.empty() ? "Ok: queued" : "Ok: queued as " + o.id;
    return o;
  }
  if (!st.exited) {
    o.text = "Queue program crashed (" + st.describe() + "), please try again later";
    return o;
  }
  switch (st.code) {
    case kQueueRefusedPermanently:
    case kQueueCustomMessage:
      o.code = 554, o.enhanced = "5.3.0", o.text = "Message refused";
      break;
    case kQueueAddressTooLong:
      o.code = 554, o.enhanced = "5.1.3", o.text = "Address too long";
      break;
    case kQueueRefusedTemporarily:
      o.text = "Message temporarily refused, please try again later";
      break;
    case kQueueWriteError:
      o.enhanced = "4.3.1", o.text = "Queue write error or disk full, please try again later";
      break;
    default:
      o.text = "Queue trouble (exit " + std::to_string(st.code) + "), please try again later";
  }
  return o;
}

struct JobPipes {
  Pipe msg, env, fd6, id;
};

namespace {

// How long posta-smtpd waits for posta-queued to take a message before it runs posta-queue.
constexpr int kQueuedAnswerMs = 3000;

Result<JobPipes> make_pipes() {
  auto msg = Pipe::make();
  auto envp = Pipe::make();
  auto fd6 = Pipe::make();
  auto idp = Pipe::make();
  if (!msg || !envp || !fd6 || !idp) return fail_sys("unable to create pipes");
  return JobPipes{std::move(*msg), std::move(*envp), std::move(*fd6), std::move(*idp)};
}

// Down (no socket, nobody listening) is normal; anything else is worth a line.
void log_queued_refusal(const Error& e) {
  if (e.code != ENOENT && e.code != ECONNREFUSED) log::warning("posta-queued: ", e.what, "; running posta-queue");
}

}  // namespace

std::unique_ptr<QueueJob> QueueJob::from_pipes(JobPipes& p) {
  std::unique_ptr<QueueJob> job(new QueueJob);
  job->msg_ = std::move(p.msg.write);
  job->env_ = std::move(p.env.write);
  job->fd6_ = std::move(p.fd6.read);
  job->idfd_ = std::move(p.id.read);
  return job;
}

// The default queue program has a resident twin: hand it the message when it answers. Our
// copies of the ends it got close with p, so only it can read the message from here on.
std::unique_ptr<QueueJob> QueueJob::try_queued(const std::vector<std::string>& env) {
  auto p = make_pipes();
  if (!p) return nullptr;
  queue::QueuedFds fds{p->msg.read.get(), p->env.read.get(), p->fd6.write.get(), p->id.write.get()};
  auto conn = queue::hand_to_queued(queue::queued_socket(posta_home()), env, fds, kQueuedAnswerMs);
  if (!conn) {
    log_queued_refusal(conn.error());
    return nullptr;
  }
  auto job = from_pipes(*p);
  job->queued_ = std::move(*conn);
  return job;
}

Result<std::unique_ptr<QueueJob>> QueueJob::start(const std::string& program,
                                                  std::vector<std::string> env) {
  if (program == sibling("posta-queue"))
    if (auto job = try_queued(env)) return job;
  // fresh pipes: a daemon that got the others and did not answer must not share these
  auto p = make_pipes();
  if (!p) return std::unexpected(p.error());
  env.push_back("POSTA_QUEUE_IDFD=7");
  SpawnOptions opt;
  opt.fds = {{p->msg.read.get(), 0}, {p->env.read.get(), 1}, {p->fd6.write.get(), 6}, {p->id.write.get(), 7}};
  opt.env = std::move(env);
  auto child = spawn({program}, opt);
  if (!child) return std::unexpected(child.error());
  auto job = from_pipes(*p);
  job->child_ = std::move(*child);
  return job;
}

QueueJob::~QueueJob() {
  if (child_.pid() > 0 || queued_) abort();
}

void QueueJob::write(std::string_view bytes) {
  if (broken_ || bytes.empty()) return;
  if (auto st = write_all(msg_.get(), bytes); !st) {
    broken_ = true;
    broken_why_ = st.error().what;
  }
}

// The queue's verdict: posta-queue's exit status, or posta-queued's "exit N".
Result<ExitStatus> QueueJob::wait_queue() {
  if (!queued_) return child_.wait();
  auto code = queue::wait_queued_exit(queued_.get());
  queued_.reset();
  if (!code) return std::unexpected(code.error());
  return ExitStatus{true, *code};
}

QueueOutcome QueueJob::finish(const queue::Envelope& env) {
  msg_.reset();
  if (!broken_) (void)write_all(env_.get(), queue::encode_injected(env));
  env_.reset();
  bool daemon = static_cast<bool>(queued_);
  auto st = wait_queue();
  if (!st) {
    log::warning(daemon ? "posta-queued: " : "queue program: ", st.error().what);
    return {451, "4.3.0", daemon ? "Queue writer went away, please try again later"
                                 : "Unable to wait for the queue program", ""};
  }
  auto text = read_all(fd6_.get(), 4096);
  auto id = read_all(idfd_.get(), 256);
  std::string idv = id ? first_line(*id) : "";
  auto o = map_queue_exit(*st, text ? *text : "", idv);
  if (!st->ok())
    log::warning(daemon ? "posta-queued: " : "queue program ", st->describe(), broken_ ? " (" + broken_why_ + ")" : "",
                 text && !text->empty() ? ": " + first_line(*text) : "");
  return o;
}

void QueueJob::abort() {
  msg_.reset();
  env_.reset();
  if (queued_ || child_.pid() > 0) (void)wait_queue();
}

}  // namespace posta::smtpd
