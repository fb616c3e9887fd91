// Writing one injected message into the spool: what posta-queue does with fds 0/1/6/7 and
// its environment, and what posta-queued does with the same fds passed over its socket
// (posta-queue(8), posta-queued(8)). Safe to run on several threads of one process.
#pragma once
#include <sys/types.h>

#include <string>

#include "queue/spool.h"

namespace posta::queue {

// The caller's side of one injection: its fds and the extras posta-queue reads from its
// environment (POSTA_AUTH_USER, POSTA_DSN_RET, ...).
struct Injection {
  int message_fd = 0;    // the message, to end of file
  int envelope_fd = 1;   // the envelope, up to its final NUL
  int custom_fd = -1;    // fd 6: "D..."/"Z..." text of exit 82, when the caller gave one
  int id_fd = -1;        // the queue id and a newline once queued (POSTA_QUEUE_IDFD)
  uid_t caller_uid = 0;  // for the envelope and the Received line
  pid_t writer_pid = 0;  // recorded in the envelope
  bool from_network = false;  // TCPREMOTEIP set: "invoked from network"
  std::string auth_user, dsn_ret, dsn_envid, body;
  bool smtputf8 = false;
};

struct WriteOutcome {
  int code = 0;          // exit code (lib/base/exitcode.h QueueExit)
  std::string message;   // for the log; for 82 also written to custom_fd
  // The caller closed the envelope without writing a byte: it gave the message up (posta-smtpd
  // does so for every message it refuses). Not an anomaly, so not a warning in the log.
  bool abandoned = false;
};

// Writes mess/<id>, then intd/<id>, renamed into todo/<id>, each fsynced; then the id to
// id_fd and a pull on the trigger. Whatever fails leaves nothing in mess/ or todo/. The
// caller has become the queue user and set umask 007. databytes 0: no size limit.
WriteOutcome write_message(const Spool& spool, long long databytes, const Injection& in);

}  // namespace posta::queue
