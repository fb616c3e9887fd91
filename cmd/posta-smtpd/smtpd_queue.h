// Handing one message to $POSTA_QUEUE (qmail-queue interface; see posta-smtpd(8)).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "io/fd.h"
#include "proc/child.h"
#include "queue/envelope.h"

namespace posta::smtpd {

struct QueueOutcome {
  int code = 451;
  std::string enhanced = "4.3.0";
  std::string text;
  std::string id;  // queue id when the queue told us (POSTA_QUEUE_IDFD)
};

// Maps what the queue program said: exit status, and the text on fd 6 ("D..." permanent,
// "Z..." temporary, qmail-queue custom error convention).
QueueOutcome map_queue_exit(const ExitStatus& st, std::string_view fd6_text, std::string_view id);

struct JobPipes;  // the four pipes of one job

class QueueJob {
 public:
  // Starts the queue program with the message pipe on fd 0 and the envelope pipe on fd 1;
  // when it is the default posta-queue, hands the same to posta-queued (run/queue.sock)
  // instead while that daemon answers. env: extra "NAME=value" entries (DSN RET/ENVID, auth user).
  [[nodiscard]] static Result<std::unique_ptr<QueueJob>> start(const std::string& program,
                                                               std::vector<std::string> env);
  ~QueueJob();
  // Message bytes (LF line ends). A queue that died is noticed at finish().
  void write(std::string_view bytes);
  // Ends the message, writes the envelope, waits for the queue program (or posta-queued).
  QueueOutcome finish(const queue::Envelope& env);
  // Ends without an envelope: the queue program refuses, nothing is queued.
  void abort();

 private:
  QueueJob() = default;
  static std::unique_ptr<QueueJob> from_pipes(JobPipes& p);
  static std::unique_ptr<QueueJob> try_queued(const std::vector<std::string>& env);
  Result<ExitStatus> wait_queue();
  Child child_;
  Fd queued_;  // the connection to posta-queued, when it took the message
  Fd msg_, env_, fd6_, idfd_;
  bool broken_ = false;
  std::string broken_why_;
};

}  // namespace posta::smtpd
