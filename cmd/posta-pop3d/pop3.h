// posta-pop3d: RFC 1939 POP3 with RFC 2449 CAPA, RFC 2595 STLS and RFC 5034 AUTH PLAIN.
// Pre-auth (unprivileged) reads credentials and runs posta-auth, which execs the post-auth
// half (this program with --post-auth) as the mail store owner in the user's Maildir.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "io/deadline.h"
#include "io/line_reader.h"

namespace posta::pop3 {

// Exit codes of the post-auth half that the pre-auth half acts on. posta-auth itself exits
// 1 for bad credentials and 111 for trouble; the post-auth half never uses those two.
enum PostAuthExit : int {
  kSessionDone = 0,    // QUIT or disconnect: the pre-auth half exits too
  kMailboxInUse = 3,   // [IN-USE] was sent; back to the AUTHORIZATION state
  kSessionError = 4,   // the mailbox could not be opened; reply sent; connection ends
};

constexpr size_t kMaxLine = 512;  // RFC 2449: 255 octets of arguments plus room
constexpr std::string_view kPendingEnv = "POSTA_POP3_PENDING";
constexpr std::string_view kTlsEnv = "POSTA_POP3_TLS";

// Buffered replies: flushed before we block on input, so pipelined commands get their
// replies in one write.
class Output {
 public:
  void line(std::string_view s) { buf_.append(s).append("\r\n"); flush_if_full(); }
  // For appending a message in place (no copy); call flush_if_full() after.
  std::string& buffer() { return buf_; }
  void flush_if_full() { if (buf_.size() >= kFlushAt) flush(); }
  bool flush();
  // The goodbye after a limit: bounded by the write timeout only.
  void flush_final();
  bool failed() const { return failed_; }
  // A write that makes no progress for `stall`, or outlasts the deadline, fails the output.
  void set_limits(std::chrono::milliseconds stall, Deadline deadline) {
    stall_ = stall;
    deadline_ = deadline;
  }

 private:
  static constexpr size_t kFlushAt = 256 * 1024;
  std::string buf_;
  bool failed_ = false;
  std::chrono::milliseconds stall_{300000};
  Deadline deadline_;
};

// Reads a command line, flushing pending output first when no input is buffered. Once the
// session limit has passed it reads nothing and returns kTimeout.
Line next_command(LineReader& in, Output& out);
// After kTimeout: the -ERR (idle too long, or the session limit), sent and logged.
void say_timeout(const LineReader& in, Output& out);

// control/timeoutpop3d, timeoutwrite, sessionlimitpop3d.
struct Limits {
  std::chrono::milliseconds read, write;
  std::chrono::seconds session;
};
Limits limits();
// Sets the read timeout and the session deadline of in (inherited: the post-auth half) and
// the limits of out.
void apply_limits(const Limits& l, bool inherited, LineReader& in, Output& out);
bool plaintext_allowed(bool tls_active);

int run_preauth();
int run_postauth();

}  // namespace posta::pop3
