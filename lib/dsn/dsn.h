// RFC 3464 delivery status notifications: a multipart/report; report-type=delivery-status
// with a human-readable part, the message/delivery-status part and the returned message
// (message/rfc822, or text/rfc822-headers for RET=HDRS, delay warnings, success reports and
// originals larger than max_original_bytes). Deterministic: date, Message-ID and boundary
// come from the caller, so golden files (test/fixtures/posta-send/) pin the output.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace posta::dsn {

struct RecipientReport {
  std::string final_recipient;     // the envelope recipient
  std::string original_recipient;  // ORCPT as given ("rfc822;a@b"), or ""
  std::string action;              // failed | delayed | delivered | relayed
  std::string status;              // "5.1.1"; status_from_text() derives one from a reason
  std::string diagnostic;          // the agent's reason, one line
  std::string remote_mta;          // remote deliveries: the host that answered, or ""
  long long last_attempt = 0;      // unix seconds, 0 = omit
  long long will_retry_until = 0;  // delayed: end of the queue lifetime, 0 = omit
};

struct Report {
  std::string reporting_mta;  // control/me
  std::string queue_id;
  std::string envid;          // RFC 3461 ENVID or ""
  long long arrival = 0;
  long long date = 0;         // Date: of the report
  std::string from;           // "MAILER-DAEMON@me"
  std::string to;             // the original envelope sender (or doublebounceto)
  std::string message_id;     // "<...>"
  std::string boundary;
  bool headers_only = false;
  size_t max_original_bytes = 1 << 20;
  std::vector<RecipientReport> rcpts;
};

// The whole message, LF line ends, ready for posta-queue.
std::string build(const Report& r, std::string_view original);

// "5.1.1" found at the start of a reason, after an SMTP code ("550 5.1.1 ...") or in
// parentheses at its end, as posta-local and qmail put it ("no such user (#5.1.1)"); else
// "5.0.0" for a permanent or "4.0.0" for a temporary outcome. A found code whose class
// disagrees with `permanent` keeps its subject and detail ("4.2.2" failed -> "5.2.2")
// unless keep_class (an expired temporary failure is reported as 4.x.x, as Postfix does).
std::string status_from_text(std::string_view text, bool permanent, bool keep_class = false);
// True when the reason starts with a three-digit SMTP reply code.
bool is_smtp_reply(std::string_view text);

// A remote server's reply as posta-remote reports it: "mx.example[192.0.2.1]:2525 said: 550
// 5.1.1 <x@example>: User unknown". mta is the host name ("mx.example"; the address when the
// label has no name), reply the reply from its code on.
struct RemoteReply {
  std::string mta;
  std::string reply;
};
// The parts of such a reason; nullopt for any other reason (posta-local's, a connection
// failure, an administrator's bounce), which is then reported as it is.
std::optional<RemoteReply> parse_remote_reply(std::string_view reason);
// Fills a report's status, diagnostic and remote_mta from a delivery agent's reason: a remote
// reply gives Remote-MTA, Diagnostic-Code: smtp; <reply> and the reply's enhanced code.
void set_reason(RecipientReport& x, std::string_view reason, bool permanent, bool keep_class = false);

}  // namespace posta::dsn
