// posta-queued's protocol (posta-queued(8)): one message per connection on
// $POSTA_HOME/run/queue.sock. posta-spamcheck serve (the resident content filter, on
// run/spamcheck.sock) speaks the same with its own first line and more names (kFilterFrame). The client sends ONE frame, in one sendmsg() with exactly
// four fds attached (message read end, envelope read end, fd-6 write end, id write end):
//
//   "posta-queued 1\n" then "NAME=value\n" per extra (each name at most once, from
//   kQueuedNames; a value has no NUL, CR or LF) then "\n", at most net::kMaxPassHeader bytes.
//
// The daemon answers "ok\n" once it has taken the job (before that, the client may still run
// posta-queue instead), then "exit N\n" with posta-queue's exit code when done, and closes.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "queue/writer.h"

namespace posta::queue {

inline constexpr std::string_view kQueuedMagic = "posta-queued 1\n";
inline constexpr std::string_view kQueuedAccepted = "ok\n";
inline constexpr size_t kQueuedFds = 4;  // message, envelope, fd 6, id
inline constexpr size_t kQueuedMaxFrame = 1024;

// The environment entries posta-queue reads that a frame may carry.
inline constexpr std::string_view kQueuedNames[] = {"POSTA_AUTH_USER", "POSTA_DSN_RET", "POSTA_DSN_ENVID",
                                                    "POSTA_BODY",      "POSTA_SMTPUTF8", "TCPREMOTEIP",
                                                    "POSTA_ORIGIN"};
// ... and those posta-smtpd also gives a content filter (posta-smtpd(8) ENVIRONMENT).
inline constexpr std::string_view kFilterNames[] = {
    "POSTA_AUTH_USER", "POSTA_DSN_RET",      "POSTA_DSN_ENVID",  "POSTA_BODY",
    "POSTA_SMTPUTF8",  "TCPREMOTEIP",        "POSTA_ORIGIN",     "POSTA_SPF",
    "POSTA_SPF_RECEIVED", "POSTA_REPUTATION", "POSTA_REPUTATION_SCORE"};

// Which daemon a frame is for: its first line, the names it may carry, its largest size.
struct FrameKind {
  std::string_view magic;
  std::span<const std::string_view> names;
  size_t max;
};
inline constexpr FrameKind kQueuedFrame{kQueuedMagic, kQueuedNames, kQueuedMaxFrame};
inline constexpr size_t kFilterMaxFrame = 4096;
inline constexpr FrameKind kFilterFrame{"posta-spamcheck 1\n", kFilterNames, kFilterMaxFrame};

// The frame for env ("NAME=value" entries); fails on a name not in kind's names, a
// repeated name, a bad byte in a value or a frame over kind's size.
[[nodiscard]] Result<std::string> encode_queued_frame(const std::vector<std::string>& env,
                                                      const FrameKind& kind = kQueuedFrame);

// The extras of a frame, checked as strictly as encode_queued_frame makes them.
struct QueuedRequest {
  std::vector<std::pair<std::string, std::string>> env;
  // Fills the extras these names stand for (not the fds, uid or pid): for posta-queued from
  // a frame, for posta-queue from its environment. POSTA_AUTH_USER and TCPREMOTEIP only
  // when in.caller_is_daemon (set_caller first): anyone else's are audit data it could forge.
  void apply(Injection& in) const;
};
[[nodiscard]] Result<QueuedRequest> parse_queued_frame(std::string_view frame, const FrameKind& kind = kQueuedFrame);

// Who called (posta-queue: its real uid; posta-queued: the peer's uid): fills caller_uid,
// caller_name and the two trust flags of in. system: a system-mode instance, where the
// daemon is posta-d (or posta-c, the resident content filter that forwards its messages)
// and the queue manager posta-s; in a rootless instance every program
// runs as the owner, so a caller whose uid is our effective uid (the owner's) is both.
void set_caller(Injection& in, uid_t caller, bool system);

// "exit N\n" for an exit code 0-255, and back; the back way fails on anything else.
std::string encode_queued_exit(int code);
[[nodiscard]] Result<int> parse_queued_exit(std::string_view reply);

}  // namespace posta::queue
