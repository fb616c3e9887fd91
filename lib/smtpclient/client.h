// One SMTP client transaction on a connected socket (RFC 5321, 3207, 2920, 4954, 6152,
// 6531, 1870): greeting, EHLO (HELO fallback), STARTTLS by policy, AUTH for relays, MAIL,
// RCPT for every recipient, DATA, QUIT. Per-recipient results in qmail-remote's terms.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpclient/reply.h"
#include "smtpclient/routes.h"
#include "smtpclient/transport.h"

namespace posta::smtpc {

// RFC 5321 section 4.5.3.2 defaults.
struct Timeouts {
  Millis connect{std::chrono::seconds(60)};
  Millis greeting{std::chrono::seconds(300)};
  Millis command{std::chrono::seconds(300)};  // EHLO, STARTTLS, AUTH, MAIL, RCPT, QUIT
  Millis data_init{std::chrono::seconds(120)};
  Millis data_block{std::chrono::seconds(180)};
  Millis data_done{std::chrono::seconds(600)};
  // Every one of the above set to t (control/timeoutremote, for tests and impatient admins).
  void set_all(Millis t) { greeting = command = data_init = data_block = data_done = t; }
};

struct SessionOptions {
  std::string helo = "localhost";
  std::string label;  // "mx.example.test[127.0.0.2]" for messages
  TlsPolicy policy = TlsPolicy::kMay;
  bool skip_tls = false;  // a "may" retry after a failed handshake
  const TlsClientContext* tls = nullptr;
  std::string tls_name;  // SNI and, for verify, the name the certificate must carry
  std::optional<Credentials> credentials;
  bool allow_plaintext_auth = false;  // AUTH without TLS (loopback relays only)
  Timeouts timeouts;
};

struct RcptResult {
  char code = 's';  // 'r' accepted, 'h' permanent failure, 's' temporary failure
  std::string text;
};

struct Outcome {
  // Failed before any recipient was answered, for a reason another host may not have
  // (connection trouble, 4xx/5xx greeting, TLS policy): the caller tries the next address.
  bool try_next = false;
  bool retry_without_tls = false;  // policy may, handshake failed: reconnect in plain text
  std::string error;               // why, when try_next or for the final line
  bool permanent_error = false;    // with error: the failure is permanent (e.g. SMTPUTF8)
  std::vector<RcptResult> rcpts;   // filled when a transaction took place
  char final_code = 'Z';           // 'K', 'Z', 'D'
  std::string final_text;
  std::optional<TlsResult> tls;
  std::string reply_summary;  // last reply, for the log
};

struct Message {
  std::string sender;
  std::vector<std::string> rcpts;
  std::string_view data;  // CRLF line ends, not dot-stuffed, no terminating dot
  bool eight_bit = false;
  // RFC 6531: asked for (when the server offers it) only for a message with UTF-8 in its
  // envelope or header fields; needed (else a permanent 5.6.7 failure) only for UTF-8
  // envelope addresses, or UTF-8 header fields of a message that arrived with SMTPUTF8.
  bool wants_smtputf8 = false;
  bool needs_smtputf8 = false;
};

// A client session in three steps, so that one connection can carry several transactions:
// open() (greeting, EHLO, STARTTLS, AUTH), transaction() as often as reusable() says, quit().
// Only a transaction that ended with the server's 250 leaves the session reusable; every
// other ending (4xx, 5xx, a broken connection) has already sent QUIT or lost the connection.
class Session {
 public:
  Session(Connection& c, const SessionOptions& o) : c_(c), o_(o) {}
  // Fills out (try_next, error, tls...) and returns false when no transaction is possible.
  bool open(Outcome& out);
  // One MAIL/RCPT/DATA transaction; out holds the per-recipient results.
  void transaction(const Message& m, Outcome& out);
  bool reusable() const { return reusable_; }
  void quit();

 private:
  Result<Reply> read_reply(Millis t);
  Result<Reply> command(const std::string& line, Millis t);
  bool ehlo(Outcome& out);
  bool maybe_tls(Outcome& out);
  bool maybe_auth(Outcome& out);
  void data_phase(const Message& m, Outcome& out, size_t accepted);
  std::string said(const Reply& r) const { return o_.label + " said: " + r.text(); }

  Connection& c_;
  const SessionOptions& o_;
  Extensions ext_;
  bool reusable_ = false;
  bool quit_sent_ = false;
};

// open + transaction + quit on a fresh connection.
Outcome run_session(Connection& c, const Message& m, const SessionOptions& o);

// Every line end (LF, CRLF, a lone CR) -> CRLF: the result has no bare CR or LF, so dot_stuff
// sees every line a receiver sees. Ensures the text ends with CRLF.
std::string to_crlf(std::string_view in);
// Dot-stuffing plus the final ".\r\n"; input must be CRLF-terminated.
std::string dot_stuff(std::string_view crlf);
bool has_8bit(std::string_view s);

}  // namespace posta::smtpc
