// posta-remote: deliver one message to one recipient domain over SMTP.
//   posta-remote HOST SENDER RCPT...   message on fd 0, report on fd 1 (see posta-remote.8)
//   posta-remote -w                    a worker of posta-rspawn: requests on fd 0, reports
//                                      on fd 1, the connection kept open between them
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "control/control.h"
#include "smtpclient/client.h"
#include "smtpclient/hostslot.h"

namespace posta::remote {

struct Config {
  std::string home;
  std::string helo;
  std::vector<std::string> smtproutes, routes_auth, tlspolicy;
  std::string tlsca;  // control/tlsca when present
  int port = 25;      // control/smtpport
  long hostcache_ttl = 120;
  int per_host = 10;                          // control/concurrencyperhost, per ip:port
  smtpc::Millis slot_wait{std::chrono::seconds(120)};  // for a free per-host slot
  bool ipv6 = true;
  smtpc::Timeouts timeouts;
};
Config load_config(const Control& c, const std::string& home);

struct Job {
  std::string domain;  // HOST argument
  std::string sender;
  std::vector<std::string> rcpts;
  std::string message;  // CRLF form, DKIM signature already in front
  std::string dkim;     // "d=example.org s=sel" or "" (for the log)
  std::string origin;   // POSTA_MESSAGE_ORIGIN (queue/envelope.h Origin text); decides DKIM
  bool smtputf8 = false;      // arrived with SMTPUTF8 (POSTA_SMTPUTF8=1)
  bool body_8bitmime = false;  // arrived with BODY=8BITMIME (POSTA_BODY=8BITMIME)
};

// A worker's connection after a transaction the server accepted with 250, kept for the
// next delivery to the same address with the same TLS policy, MX name, HELO and credentials
// (key). It holds its per-host slot, so idle connections count against the limit.
struct KeptConnection {
  std::string key;
  std::string label;
  std::string peer;  // "ip:port"
  smtpc::HostSlot slot;
  std::unique_ptr<smtpc::Connection> conn;
  std::unique_ptr<smtpc::SessionOptions> options;  // the session refers to both
  std::unique_ptr<smtpc::Session> session;
  std::optional<smtpc::TlsResult> tls;
  int transactions = 0;
  bool open() const { return session != nullptr; }
  void close();  // QUIT (when the server is still listening) and release the slot
};
inline constexpr int kMaxTransactionsPerConnection = 100;

// Identifies what a connection was opened with; a kept one is reused only on a match.
std::string connection_key(const std::string& ip, int port, const std::string& mx_host,
                           const smtpc::SessionOptions& o);
// The transaction on a kept connection matching key; nullopt (and the connection closed)
// when there is none, it went stale (server closed, 421) or broke before DATA.
std::optional<smtpc::Outcome> reuse_connection(KeptConnection& kept, const std::string& key,
                                               const smtpc::Message& m);

struct Report {
  std::vector<smtpc::RcptResult> rcpts;
  char final_code = 'Z';
  std::string final_text;
};
// Encodes r/h/s lines and the final K/Z/D line, each NUL-terminated.
std::string encode_report(const Report& r);
Report all_failed(size_t n, char code, const std::string& text);  // 's'+'Z' or 'h'+'D'

// Signs with the key of the From: domain when it is a local domain with a DKIM selector and
// the message originated here with a right to that From: (posta-remote(8) DKIM); error when
// it should be signed but cannot be (defer).
[[nodiscard]] Status dkim_sign(const Config& cfg, Job& job);

// MX/route lookup, connection attempts, the SMTP transaction. With kept (worker mode), a
// matching kept connection is used first and a reusable one is left in it.
Report deliver(const Config& cfg, const Job& job, KeptConnection* kept = nullptr);
// Control files, DKIM signing, delivery: the report for one job.
Report deliver_job(const std::string& home, Job& job, KeptConnection* kept);

int run(int argc, char** argv);
int run_worker();  // posta-remote -w

}  // namespace posta::remote
