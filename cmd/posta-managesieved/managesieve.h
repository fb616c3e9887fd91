// posta-managesieved: RFC 5804 ManageSieve with STARTTLS and AUTHENTICATE "PLAIN".
// Pre-auth (unprivileged) reads credentials and runs posta-auth, which execs the post-auth
// half (this program with --post-auth) as the mail store owner; the post-auth half manages
// the user's scripts (lib/sieve/script_store) and checks them with the Sieve compiler.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "imap/command_reader.h"
#include "imap/writer.h"
#include "io/line_reader.h"
#include "managesieve/protocol.h"

namespace posta::managesieved {

// Exit codes of the post-auth half. posta-auth itself exits 1 for bad credentials and 111
// for trouble; the post-auth half never uses those two.
enum PostAuthExit : int {
  kSessionDone = 0,      // LOGOUT or disconnect: the pre-auth half exits too
  kSessionError = 4,     // the mailbox could not be opened; reply sent; connection ends
  kUnauthenticated = 5,  // UNAUTHENTICATE answered OK; the unread input is on kGiveBackFd
};

// The pipe on which the post-auth half gives its unread input back to the pre-auth half
// after UNAUTHENTICATE (at most kMaxGiveBack bytes, less than a pipe holds).
constexpr int kGiveBackFd = 4;
constexpr size_t kMaxGiveBack = 32768;

constexpr size_t kMaxLine = 8192;           // a command line (quoted strings are <= 1024)
constexpr size_t kMaxPreauthLiteral = 8192; // before login: a SASL response at most
constexpr std::string_view kPendingEnv = "POSTA_MANAGESIEVE_PENDING";
constexpr std::string_view kTlsEnv = "POSTA_MANAGESIEVE_TLS";

// control/timeoutmanagesieved, timeoutwrite, sessionlimitmanagesieved.
struct Limits {
  std::chrono::milliseconds read, write;
  std::chrono::seconds session;
};
Limits limits();
bool plaintext_allowed(bool tls_active);

// One client connection on fds 0/1: the command reader, the buffered output and their
// limits.
class Conn {
 public:
  // inherited: the session deadline comes from the pre-auth half.
  Conn(const Limits& l, bool inherited, size_t max_literal);
  imap::Output out{1};
  LineReader in{0, kMaxLine, std::chrono::minutes(10)};

  // The next command, flushing pending output first when no input is buffered. Bad input
  // is answered here (NO, or BYE for what ends the session); nullopt means the session is
  // over. raw (when given) receives the command as read, to be wiped by the caller.
  std::optional<managesieve::Command> next(imap::RawCommand* raw = nullptr);
  // The reply to a SASL challenge: a lone string; nullopt when the session is over or the
  // line was not a string (answered NO; *bad is set).
  std::optional<std::string> sasl_response(bool* bad);
  void say(std::string_view kind, std::string_view code, std::string_view text);
  void set_max_literal(size_t n);
  bool failed() const { return out.failed(); }

 private:
  std::optional<imap::RawCommand> read_raw();
  imap::CommandReader reader_;
};

// Zeroes a command as read (the AUTHENTICATE line holds a password).
void wipe(imap::RawCommand& raw);

// The capability lines and the final OK, answering CAPABILITY (and after STARTTLS).
void send_capabilities(Conn& c, const managesieve::Capabilities& caps);
managesieve::Capabilities base_capabilities();
// NOOP [tag]: OK (TAG "tag") "Done".
void noop(Conn& c, const managesieve::Command& cmd);

int run_preauth();
int run_postauth();

}  // namespace posta::managesieved
