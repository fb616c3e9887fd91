#include "smtpd_queue.h"

#include <cctype>

#include "base/exitcode.h"
#include "log/log.h"

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

Result<std::unique_ptr<QueueJob>> QueueJob::start(const std::string& program,
                                                  std::vector<std::string> env) {
  auto msg = Pipe::make();
  auto envp = Pipe::make();
  auto fd6 = Pipe::make();
  auto idp = Pipe::make();
  if (!msg || !envp || !fd6 || !idp) return fail_sys("unable to create pipes");
  env.push_back("POSTA_QUEUE_IDFD=7");
  SpawnOptions opt;
  opt.fds = {{msg->read.get(), 0}, {envp->read.get(), 1}, {fd6->write.get(), 6}, {idp->write.get(), 7}};
  opt.env = std::move(env);
  auto child = spawn({program}, opt);
  if (!child) return std::unexpected(child.error());
  std::unique_ptr<QueueJob> job(new QueueJob);
  job->child_ = std::move(*child);
  job->msg_ = std::move(msg->write);
  job->env_ = std::move(envp->write);
  job->fd6_ = std::move(fd6->read);
  job->idfd_ = std::move(idp->read);
  return job;
}

QueueJob::~QueueJob() {
  if (child_.pid() > 0) abort();
}

void QueueJob::write(std::string_view bytes) {
  if (broken_ || bytes.empty()) return;
  if (auto st = write_all(msg_.get(), bytes); !st) {
    broken_ = true;
    broken_why_ = st.error().what;
  }
}

QueueOutcome QueueJob::finish(const queue::Envelope& env) {
  msg_.reset();
  if (!broken_) (void)write_all(env_.get(), queue::encode_injected(env));
  env_.reset();
  auto st = child_.wait();
  if (!st) return {451, "4.3.0", "Unable to wait for the queue program", ""};
  auto text = read_all(fd6_.get(), 4096);
  auto id = read_all(idfd_.get(), 256);
  std::string idv = id ? first_line(*id) : "";
  auto o = map_queue_exit(*st, text ? *text : "", idv);
  if (!st->ok())
    log::warning("queue program ", st->describe(), broken_ ? " (" + broken_why_ + ")" : "",
                 text && !text->empty() ? ": " + first_line(*text) : "");
  return o;
}

void QueueJob::abort() {
  msg_.reset();
  env_.reset();
  if (child_.pid() > 0) (void)child_.wait();
}

}  // namespace posta::smtpd
