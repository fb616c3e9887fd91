#include "queue/journal.h"

#include <algorithm>
#include <ctime>
#include <sstream>

#include "control/control.h"
#include "log/log.h"
#include "queue/maildate.h"

namespace posta::queue {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool plausible_address(std::string_view a) {
  if (a.empty() || a.size() > 255) return false;
  return std::none_of(a.begin(), a.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == 0x7f;
  });
}

bool plausible_domain(std::string_view d) {
  if (d == "*") return true;
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.') return false;
  return std::all_of(d.begin(), d.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

bool rule_covers(const JournalRule& r, std::string_view domain) {
  return !domain.empty() && (r.domain == "*" || r.domain == domain);
}

std::string direction_words(unsigned d) {
  if (d == (kJournalInbound | kJournalOutbound)) return "inbound, outbound";
  return d == kJournalInbound ? "inbound" : "outbound";
}

std::string origin_words(const Origin& o) {
  std::string text = encode_origin(o);
  return text.empty() ? "unknown" : text;
}

// At most max bytes, not cut inside a UTF-8 sequence.
std::string clip(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::string envelope_text(const JournalTarget& target, const Envelope& env, const JournalFacts& facts) {
  std::string t = "This is a journal report of message " + facts.queue_id + ".\n\n";
  t += "Queue-Id: " + facts.queue_id + "\n";
  t += "Arrival: " + rfc5322_date(static_cast<std::time_t>(env.arrival)) + "\n";
  t += "Direction: " + direction_words(target.directions) + "\n";
  t += "Sender: <" + env.sender + ">\n";
  for (const auto& r : env.recipients) t += "Recipient: <" + r.address + ">\n";
  if (!facts.remote_ip.empty()) t += "Client-Address: " + facts.remote_ip + "\n";
  if (!env.auth_user.empty()) t += "Authenticated-User: " + env.auth_user + "\n";
  t += "Origin: " + origin_words(env.origin) + "\n";
  return t;
}

}  // namespace

JournalConfig parse_journal(const std::vector<std::string>& lines, const std::string& me,
                            std::vector<std::string>& warnings) {
  JournalConfig cfg;
  cfg.me = me;
  for (const auto& line : lines) {
    std::istringstream words(line);
    std::string domain, address, direction, extra;
    if (!(words >> domain) || domain.front() == '#') continue;
    words >> address >> direction >> extra;
    auto bad = [&](const std::string& why) {
      warnings.push_back("control/journal: line \"" + log::printable(line) + "\" ignored: " + why);
    };
    JournalRule r;
    r.domain = lower(domain);
    if (!plausible_domain(r.domain)) { bad("bad domain"); continue; }
    if (address.empty()) { bad("no address"); continue; }
    if (!plausible_address(address)) { bad("bad address"); continue; }
    r.address = address.find('@') == std::string::npos ? address + "@" + me : address;
    if (direction == "inbound") r.directions = kJournalInbound;
    else if (direction == "outbound") r.directions = kJournalOutbound;
    else if (direction.empty() || direction == "both") r.directions = kJournalInbound | kJournalOutbound;
    else { bad("bad direction \"" + direction + "\" (inbound, outbound or both)"); continue; }
    if (!extra.empty()) { bad("words after the direction"); continue; }
    cfg.rules.push_back(std::move(r));
  }
  return cfg;
}

JournalConfig load_journal(const std::string& home) {
  Control ctl(home);
  auto lines = ctl.lines("journal");
  if (lines.empty()) return {};
  std::vector<std::string> warnings;
  auto cfg = parse_journal(lines, ctl.string("me", "localhost"), warnings);
  for (const auto& w : warnings) log::warning(w);
  return cfg;
}

std::vector<JournalTarget> journal_targets(const JournalConfig& cfg, const Envelope& env) {
  std::vector<JournalTarget> out;
  using K = Origin::Kind;
  if (env.origin.kind == K::kForwarded || env.origin.kind == K::kBounce) return out;
  std::string from = address_domain(env.sender);
  for (const auto& r : cfg.rules) {
    unsigned d = 0;
    if ((r.directions & kJournalOutbound) && rule_covers(r, from)) d |= kJournalOutbound;
    if (r.directions & kJournalInbound)
      for (const auto& rcpt : env.recipients)
        if (rule_covers(r, address_domain(rcpt.address))) d |= kJournalInbound;
    if (!d) continue;
    auto same = std::find_if(out.begin(), out.end(), [&](const JournalTarget& t) { return lower(t.address) == lower(r.address); });
    if (same != out.end()) same->directions |= d;
    else out.push_back({r.address, d});
  }
  return out;
}

std::string header_subject(std::string_view message) {
  std::string subject;
  bool in_subject = false;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t nl = message.find('\n', pos);
    std::string_view line = message.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? message.size() : nl + 1;
    if (line.empty()) break;  // end of the header
    if (line.front() == ' ' || line.front() == '\t') {
      if (in_subject) subject += " " + std::string(line.substr(line.find_first_not_of(" \t")));
      continue;
    }
    if (!subject.empty() || in_subject) break;  // the first Subject: only
    in_subject = line.size() >= 8 && lower(line.substr(0, 8)) == "subject:";
    if (in_subject) subject = std::string(line.substr(8));
  }
  size_t b = subject.find_first_not_of(" \t");
  return b == std::string::npos ? "" : subject.substr(b);
}

JournalReport build_journal_report(const JournalConfig& cfg, const JournalTarget& target, const Envelope& env,
                                   const JournalFacts& facts) {
  JournalReport r;
  // The queue id is unique and the arrival time makes the boundary unlikely in any message.
  std::string boundary = "posta-journal-" + facts.queue_id + "-" + std::to_string(env.arrival);
  std::string subject = "Journal: " + clip(facts.subject, 900);
  r.head = "From: MAILER-DAEMON@" + cfg.me + "\n";
  r.head += "To: <" + target.address + ">\n";
  r.head += "Subject: " + subject + "\n";
  r.head += "Date: " + rfc5322_date(::time(nullptr)) + "\n";
  r.head += "Message-ID: " + make_message_id(cfg.me) + "\n";
  r.head += "Auto-Submitted: auto-generated\n";
  r.head += "X-Posta-Journal: " + facts.queue_id + "\n";
  r.head += "MIME-Version: 1.0\n";
  r.head += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n\n";
  r.head += "This is a journal report in MIME format.\n\n";
  r.head += "--" + boundary + "\nContent-Type: text/plain; charset=utf-8\n\n";
  r.head += envelope_text(target, env, facts);
  r.head += "\n--" + boundary + "\nContent-Type: message/rfc822\n";
  r.head += std::string("Content-Transfer-Encoding: ") + (facts.eight_bit ? "8bit" : "7bit") + "\n";
  r.head += "Content-Disposition: inline\n\n";
  // The LF before the closing delimiter belongs to it, so the part is the original exactly.
  r.tail = "\n--" + boundary + "--\n";
  r.envelope.sender = "";
  r.envelope.recipients.push_back({target.address, "", ""});
  r.envelope.arrival = ::time(nullptr);
  r.envelope.uid = env.uid;
  r.envelope.pid = env.pid;
  r.envelope.body = facts.eight_bit ? "8BITMIME" : "";
  r.envelope.smtputf8 = env.smtputf8;
  r.envelope.origin = Origin{Origin::Kind::kBounce, ""};
  return r;
}

}  // namespace posta::queue
