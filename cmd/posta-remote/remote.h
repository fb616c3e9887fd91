// posta-remote: deliver one message to one recipient domain over SMTP.
//   posta-remote HOST SENDER RCPT...   message on fd 0, report on fd 1 (see posta-remote.8)
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "control/control.h"
#include "smtpclient/client.h"

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
};

struct Report {
  std::vector<smtpc::RcptResult> rcpts;
  char final_code = 'Z';
  std::string final_text;
};
// Encodes r/h/s lines and the final K/Z/D line, each NUL-terminated.
std::string encode_report(const Report& r);
Report all_failed(size_t n, char code, const std::string& text);  // 's'+'Z' or 'h'+'D'

// Signs with the key of the From: (else envelope sender) domain when it is a local domain
// with a DKIM selector; error when the domain should be signed but cannot be (defer).
[[nodiscard]] Status dkim_sign(const Config& cfg, Job& job);

// MX/route lookup, connection attempts, the SMTP transaction.
Report deliver(const Config& cfg, const Job& job);

int run(int argc, char** argv);

}  // namespace posta::remote
