#include "dsn/dsn.h"

#include <cctype>

#include "queue/maildate.h"

namespace posta::dsn {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Length of an enhanced status code "c.sss.ddd" at the start of s, 0 when none.
size_t enhanced_len(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  size_t i = 2, n = 0;
  while (i < s.size() && digit(s[i]) && n < 3) ++i, ++n;
  if (n == 0 || i >= s.size() || s[i] != '.') return 0;
  ++i;
  n = 0;
  while (i < s.size() && digit(s[i]) && n < 3) ++i, ++n;
  if (n == 0 || (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != ',' && s[i] != ':' &&
                 s[i] != ';' && s[i] != ')'))
    return 0;
  return i;
}

// Unfolds to the header block of a message (through the blank line, or everything).
std::string_view header_block(std::string_view msg) {
  size_t p = msg.find("\n\n");
  if (p == std::string_view::npos) return msg;
  return msg.substr(0, p + 1);
}

bool has_8bit(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string human_part(const Report& r) {
  bool failed = false, delayed = false, ok = false;
  for (auto& x : r.rcpts) {
    failed |= x.action == "failed";
    delayed |= x.action == "delayed";
    ok |= x.action == "delivered" || x.action == "relayed";
  }
  std::string t = "This is the mail system at host " + r.reporting_mta + ".\n\n";
  if (failed)
    t += "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. "
         "It's attached below.\n\n";
  if (delayed)
    t += "Your message could not be delivered yet to one or more recipients.\nThe mail system will keep trying; "
         "you do not need to send it again.\n\n";
  if (ok) t += "Your message was successfully delivered to the recipients listed below.\n\n";
  for (auto& x : r.rcpts)
    t += "<" + x.final_recipient + ">: " + (x.remote_mta.empty() ? "" : "host " + x.remote_mta + " said: ") +
         one_line(x.diagnostic) + "\n";
  return t;
}

std::string status_part(const Report& r) {
  std::string t = "Reporting-MTA: dns; " + r.reporting_mta + "\n";
  if (!r.queue_id.empty()) t += "X-Posta-Queue-ID: " + r.queue_id + "\n";
  if (!r.envid.empty()) t += "Original-Envelope-Id: " + one_line(r.envid) + "\n";
  if (r.arrival) t += "Arrival-Date: " + queue::rfc5322_date(r.arrival) + "\n";
  for (auto& x : r.rcpts) {
    t += "\n";
    if (!x.original_recipient.empty()) t += "Original-Recipient: " + one_line(x.original_recipient) + "\n";
    t += "Final-Recipient: rfc822; " + x.final_recipient + "\n";
    t += "Action: " + x.action + "\n";
    t += "Status: " + x.status + "\n";
    if (!x.remote_mta.empty()) t += "Remote-MTA: dns; " + x.remote_mta + "\n";
    if (!x.diagnostic.empty())
      t += "Diagnostic-Code: " + std::string(is_smtp_reply(x.diagnostic) ? "smtp" : "x-posta") + "; " +
           one_line(x.diagnostic) + "\n";
    if (x.last_attempt) t += "Last-Attempt-Date: " + queue::rfc5322_date(x.last_attempt) + "\n";
    if (x.will_retry_until) t += "Will-Retry-Until: " + queue::rfc5322_date(x.will_retry_until) + "\n";
  }
  return t;
}

std::string subject_of(const Report& r) {
  bool failed = false, delayed = false;
  for (auto& x : r.rcpts) failed |= x.action == "failed", delayed |= x.action == "delayed";
  if (failed) return "Undelivered Mail Returned to Sender";
  if (delayed) return "Delayed Mail (still being retried)";
  return "Successful Mail Delivery Report";
}

}  // namespace

bool is_smtp_reply(std::string_view t) {
  return t.size() >= 3 && (t[0] >= '2' && t[0] <= '5') && digit(t[1]) && digit(t[2]) &&
         (t.size() == 3 || t[3] == ' ' || t[3] == '-');
}

std::string status_from_text(std::string_view text, bool permanent, bool keep_class) {
  std::string_view s = text;
  if (is_smtp_reply(s)) s = s.size() > 4 ? s.substr(4) : std::string_view();
  size_t n = enhanced_len(s);
  if (n == 0) {
    // posta-local's and qmail's "... (#5.1.1)" at the end
    std::string_view t = s;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
    size_t open = t.rfind("(#");
    if (open != std::string_view::npos && t.back() == ')') {
      s = t.substr(open + 2, t.size() - open - 3);
      n = enhanced_len(s);
      if (n != s.size()) n = 0;
    }
  }
  if (n == 0) return permanent ? "5.0.0" : "4.0.0";
  std::string code(s.substr(0, n));
  if (!keep_class && code[0] != '2') code[0] = permanent ? '5' : '4';
  return code;
}

std::optional<RemoteReply> parse_remote_reply(std::string_view reason) {
  static constexpr std::string_view kSaid = " said: ";
  size_t said = reason.find(kSaid);
  if (said == std::string_view::npos) return std::nullopt;
  std::string_view label = reason.substr(0, said), reply = reason.substr(said + kSaid.size());
  // label: name[address] or name[address]:port, one word (posta-remote's label)
  size_t open = label.find('['), close = label.find(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 2 ||
      label.find_first_of(" \t") != std::string_view::npos || !is_smtp_reply(reply))
    return std::nullopt;
  std::string_view rest = label.substr(close + 1);
  if (!rest.empty()) {
    if (rest.size() < 2 || rest[0] != ':') return std::nullopt;
    for (char c : rest.substr(1))
      if (!digit(c)) return std::nullopt;
  }
  std::string_view name = label.substr(0, open);
  std::string_view mta = name.empty() ? label.substr(open + 1, close - open - 1) : name;
  return RemoteReply{std::string(mta), std::string(reply)};
}

void set_reason(RecipientReport& x, std::string_view reason, bool permanent, bool keep_class) {
  if (auto r = parse_remote_reply(reason)) {
    x.remote_mta = r->mta;
    x.diagnostic = r->reply;
  } else {
    x.remote_mta.clear();
    x.diagnostic = std::string(reason);
  }
  x.status = status_from_text(x.diagnostic, permanent, keep_class);
}

std::string build(const Report& r, std::string_view original) {
  bool headers_only = r.headers_only || original.size() > r.max_original_bytes;
  std::string_view returned = headers_only ? header_block(original) : original;
  std::string m;
  m += "From: Mail Delivery System <" + r.from + ">\n";
  m += "To: <" + r.to + ">\n";
  m += "Subject: " + subject_of(r) + "\n";
  m += "Date: " + queue::rfc5322_date(r.date) + "\n";
  m += "Message-ID: " + r.message_id + "\n";
  m += "Auto-Submitted: auto-replied\n";
  m += "MIME-Version: 1.0\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"" + r.boundary + "\"\n";
  m += "Content-Transfer-Encoding: " + std::string(has_8bit(returned) ? "8bit" : "7bit") + "\n\n";
  m += "This is a MIME-encapsulated message.\n\n";
  m += "--" + r.boundary + "\n";
  m += "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n";
  m += human_part(r);
  m += "\n--" + r.boundary + "\n";
  m += "Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n";
  m += status_part(r);
  m += "\n--" + r.boundary + "\n";
  if (headers_only)
    m += "Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n";
  else
    m += "Content-Description: Undelivered Message\nContent-Type: message/rfc822\n";
  if (has_8bit(returned)) m += "Content-Transfer-Encoding: 8bit\n";
  m += "\n";
  m += returned;
  if (!returned.empty() && returned.back() != '\n') m += "\n";
  m += "\n--" + r.boundary + "--\n";
  return m;
}

}  // namespace posta::dsn
