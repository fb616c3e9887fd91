// Writing one injected message into the spool: what posta-queue does with fds 0/1/6/7 and
// its environment, and what posta-queued does with the same fds passed over its socket
// (posta-queue(8), posta-queued(8)). Safe to run on several threads of one process.
#pragma once
#include <sys/types.h>

#include <string>

#include "queue/envelope.h"
#include "queue/journal.h"
#include "queue/spool.h"

namespace posta::queue {

// The caller's side of one injection: its fds and the extras posta-queue reads from its
// environment (POSTA_AUTH_USER, POSTA_DSN_RET, ...). Who the caller is decides which extras
// count (set_caller in queued_proto.h, before QueuedRequest::apply).
struct Injection {
  int message_fd = 0;    // the message, to end of file
  int envelope_fd = 1;   // the envelope, up to its final NUL
  int custom_fd = -1;    // fd 6: "D..."/"Z..." text of exit 82, when the caller gave one
  int id_fd = -1;        // the queue id and a newline once queued (POSTA_QUEUE_IDFD)
  uid_t caller_uid = 0;  // for the envelope and the Received line
  std::string caller_name;  // its user name ("#uid" without one): the origin "local:" name
  // The caller is the instance's daemon user (posta-d; in a rootless instance its owner):
  // only then do POSTA_AUTH_USER and TCPREMOTEIP count.
  bool caller_is_daemon = false;
  // The caller is posta-send's user (posta-s; in a rootless instance the owner): only then
  // does POSTA_ORIGIN=bounce count.
  bool caller_is_queue_manager = false;
  pid_t writer_pid = 0;  // recorded in the envelope
  bool from_network = false;  // TCPREMOTEIP set by the daemon: "invoked from network"
  std::string remote_ip;      // its value then, for a journal report
  std::string auth_user, dsn_ret, dsn_envid, body;
  std::string origin_claim;  // POSTA_ORIGIN: "forward" or "bounce" (anything else is refused)
  bool smtputf8 = false;
};

// The origin recorded for an injection (envelope.h Origin): POSTA_ORIGIN=forward from anyone
// (it only lowers trust), bounce from the queue manager; else the daemon's login or network
// (already filtered by caller_is_daemon), else the local caller. Fails on a bad claim.
[[nodiscard]] Result<Origin> injection_origin(const Injection& in);

struct WriteOutcome {
  int code = 0;          // exit code (lib/base/exitcode.h QueueExit)
  std::string message;   // for the log; for 82 also written to custom_fd
  // The caller closed the envelope without writing a byte: it gave the message up (posta-smtpd
  // does so for every message it refuses). Not an anomaly, so not a warning in the log.
  bool abandoned = false;
};

// Writes mess/<id>, then intd/<id>, renamed into todo/<id>, each fsynced; then the id to
// id_fd and a pull on the trigger. Whatever fails leaves nothing in mess/ or todo/. The
// caller has become the queue user and set umask 007. databytes 0: no size limit. With a
// journal configuration, the journal reports the message calls for (journal.h) are queued
// before its own todo/<id>; a report that cannot be written fails the injection as a full
// disk would (exit 53 or 81), and the message is not queued.
WriteOutcome write_message(const Spool& spool, long long databytes, const Injection& in,
                           const JournalConfig* journal = nullptr);

}  // namespace posta::queue
