// Injection: the one client through which a program hands a message to the queue
// (posta-queue(8) describes the interface; qmail's qmail.c is the model). posta-smtpd,
// posta-local (forwards, lists), posta-sendmail and posta-send's notifications use it.
//
// open, write the message, close with the envelope: the queue program gets the message on
// fd 0, the envelope (encode_injected) on fd 1, a pipe for the refusal text of exit 82 on
// fd 6 and one for the queue id on fd 7 (POSTA_QUEUE_IDFD=7). With `resident`, the same four
// pipe ends go to the program's daemon (queued_client.h) when it takes them within
// kQueuedAnswerMs: posta-queued for the default queue program, posta-spamcheck serve for
// posta-spamcheck; else the program runs on fresh pipes.
#pragma once
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "io/fd.h"
#include "proc/child.h"
#include "queue/envelope.h"
#include "queue/queued_proto.h"

namespace posta::queue {

// Why the queue did not take a message. The one rule (posta-queue(8) EXIT STATUS, qmail's):
// exit 11-40 is permanent; 82 is permanent when its fd 6 text starts with 'D', temporary
// otherwise; every other exit, a signal, or trouble running the queue is temporary.
struct Refusal {
  bool permanent = false;
  std::string status;  // RFC 3463 code: from the fd 6 text, else by exit code ("5.3.0", "4.3.1")
  std::string text;    // one printable line, without the code
  std::string line() const { return status + " " + text; }
  // The SMTP reply code for it: 550 for a permanent security or policy refusal (status
  // 5.7.x: a content filter's), 554 for any other permanent one, 451 for a temporary one.
  int reply_code() const;
};

// The queue id ("" when the queue did not write one), or why nothing was queued.
using Injected = std::expected<std::string, Refusal>;

// The answer of a queue program that did not exit 0: its status and what it wrote on fd 6.
Refusal classify_exit(const ExitStatus& st, std::string_view fd6_text);
// A temporary refusal ("4.3.0 text") for trouble on our side of the interface.
Refusal queue_trouble(std::string text);

// The queue program: $POSTA_QUEUE, else configured when not empty (posta-smtpd passes
// control/smtpqueue), else the sibling posta-queue.
std::string queue_program(std::string_view configured = "");

inline constexpr int kQueuedAnswerMs = 3000;  // how long posta-queued has to take a message

struct InjectOptions {
  std::string program;           // "": queue_program()
  std::vector<std::string> env;  // "NAME=value" for the queue: POSTA_ORIGIN, POSTA_AUTH_USER, ...
  bool resident = false;         // try the program's daemon first (posta-queue, posta-spamcheck)
};

class Injector {
 public:
  // Starts the queue (or hands the pipes to posta-queued). SIGPIPE is ignored from here on:
  // a queue that refuses before reading the whole message is heard through its exit code.
  [[nodiscard]] static Result<std::unique_ptr<Injector>> open(InjectOptions o);
  ~Injector();  // abort() when neither close() nor abort() ran
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;

  // Message bytes (LF line ends). A queue that died is noticed at close().
  void write(std::string_view bytes);
  // Ends the message, writes the envelope, waits for the queue's answer.
  [[nodiscard]] Injected close(const Envelope& env);
  // Ends without an envelope: the queue refuses and nothing is queued.
  void abort();

 private:
  Injector() = default;
  struct Pipes;
  static std::unique_ptr<Injector> from_pipes(Pipes& p);
  struct Resident {
    std::string socket;
    const FrameKind* kind;
    const char* name;
  };
  static std::optional<Resident> resident_for(const std::string& program);
  static std::unique_ptr<Injector> try_resident(const std::vector<std::string>& env, const Resident& where);
  Result<ExitStatus> wait_queue();
  std::string name_;  // the program, or "posta-queued": for the log
  Child child_;
  Fd queued_;  // the connection to posta-queued, when it took the message
  Fd msg_, env_, fd6_, idfd_;
  std::string broken_;  // why writing the message failed, "" while it has not
};

// open, write, close in one call; a queue that cannot be started is a temporary refusal.
[[nodiscard]] Injected inject(std::string_view message, const Envelope& env, InjectOptions o);

}  // namespace posta::queue
