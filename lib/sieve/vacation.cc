#include "sieve/vacation.h"

#include <sys/file.h>

#include <algorithm>
#include <charconv>

#include "base/strings.h"
#include "io/fd.h"
#include "mailhdr/mailhdr.h"
#include "mime/decode.h"
#include "sieve/message_view.h"

namespace posta::sieve {

namespace {

bool automatic_sender(std::string_view sender) {
  std::string s = lower(std::string(sender));
  std::string local = s.substr(0, s.rfind('@'));
  return local == "mailer-daemon" || local.starts_with("owner-") || local.ends_with("-request") ||
         local.ends_with("-bounces") || local == "listserv" || local == "majordomo";
}

}  // namespace

std::optional<std::string> vacation_refusal(const Message& msg, const std::vector<std::string>& own) {
  return vacation_refusal(msg, [&](std::string_view address) {
    return std::any_of(own.begin(), own.end(), [&](const std::string& o) { return iequals(o, address); });
  });
}

std::optional<std::string> vacation_refusal(const Message& msg, const OwnAddress& is_own) {
  if (msg.envelope_from.empty()) return "null sender";
  if (automatic_sender(msg.envelope_from)) return "automatic sender " + msg.envelope_from;
  if (is_own(msg.envelope_from)) return "message from the user's own address";
  mailhdr::Header h = mailhdr::parse_header(msg.raw);
  for (const auto& f : h.fields) {
    std::string name = lower(f.name);
    std::string value = lower(trim(f.value));
    if (name == "auto-submitted" && !value.starts_with("no")) return "Auto-Submitted: " + f.value;
    if (name.starts_with("list-")) return "mailing list (" + f.name + ")";
    if (name == "precedence" && (value == "bulk" || value == "list" || value == "junk"))
      return "Precedence: " + f.value;
    if (name == "x-spam-flag" && value == "yes") return "spam-flagged";
  }
  for (const char* field : {"to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"}) {
    for (const auto& v : mailhdr::values(h, field)) {
      for (const auto& a : header_addresses(v)) {
        if (is_own(a)) return std::nullopt;
      }
    }
  }
  return "none of the user's addresses in To/Cc/Bcc";
}

VacationReply vacation_reply(const Action& a, const Message& msg, std::string_view recipient,
                             std::string_view date, std::string_view message_id) {
  mailhdr::Header h = mailhdr::parse_header(msg.raw);
  VacationReply r;
  r.to = msg.envelope_from;
  r.from = a.from.empty() ? std::string(recipient) : a.from;
  std::string subject = a.subject;
  if (subject.empty()) {
    std::string orig = mime::decode_words(mailhdr::first(h, "Subject"));
    subject = "Auto: " + (orig.empty() ? std::string("(no subject)") : orig);
  }
  const std::string_view eol = "\n";
  std::string& d = r.data;
  d += mailhdr::make_field("From", r.from, eol);
  d += mailhdr::make_field("To", "<" + r.to + ">", eol);
  d += mailhdr::make_field("Subject", subject, eol);
  d += mailhdr::make_field("Date", date, eol);
  d += mailhdr::make_field("Message-ID", message_id, eol);
  std::string orig_id = trim(mailhdr::first(h, "Message-ID"));
  if (!orig_id.empty()) {
    d += mailhdr::make_field("In-Reply-To", orig_id, eol);
    std::string refs = trim(mailhdr::first(h, "References"));
    d += mailhdr::make_field("References", refs.empty() ? orig_id : refs + " " + orig_id, eol);
  }
  d += mailhdr::make_field("Auto-Submitted", "auto-replied (vacation)", eol);
  d += mailhdr::make_field("Precedence", "bulk", eol);
  d += mailhdr::make_field("MIME-Version", "1.0", eol);
  std::string reason = a.reason;
  // multi-line strings come with CRLF; the queue takes LF
  std::string lf;
  for (size_t i = 0; i < reason.size(); ++i) {
    if (reason[i] == '\r' && i + 1 < reason.size() && reason[i + 1] == '\n') continue;
    lf.push_back(reason[i]);
  }
  if (a.mime) {
    // the reason is a MIME entity: its own header fields, a blank line, its body
    d += lf;
  } else {
    d += mailhdr::make_field("Content-Type", "text/plain; charset=utf-8", eol);
    d += mailhdr::make_field("Content-Transfer-Encoding", "8bit", eol);
    d += "\n" + lf;
  }
  if (d.empty() || d.back() != '\n') d += "\n";
  return r;
}

Result<bool> VacationMemory::claim(std::string_view sender, std::string_view handle, std::time_t now,
                                   uint64_t period) {
  POSTA_TRY(Fd lock, open_fd(path_ + ".lock", O_RDWR | O_CREAT, 0600));
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return fail_sys("unable to lock " + path_);
  }
  std::string content;
  if (auto c = read_file(path_, 4 << 20)) {
    content = std::move(*c);
  } else if (c.error().code != ENOENT) {
    return std::unexpected(c.error());
  }
  std::string h(handle), who(sender);
  for (char& c : h) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  for (char& c : who) {
    if (c == '\n' || c == '\r' || c == ' ') c = '_';
  }
  std::vector<std::string> kept;
  bool answered = false;
  for (const auto& line : split(content, '\n')) {
    size_t sp1 = line.find(' ');
    if (sp1 == std::string::npos) continue;
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) continue;
    long long expiry = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + sp1, expiry);
    if (ec != std::errc() || expiry <= now) continue;
    if (iequals(std::string_view(line).substr(sp1 + 1, sp2 - sp1 - 1), who) && line.substr(sp2 + 1) == h)
      answered = true;
    kept.push_back(line);
  }
  if (answered) return false;
  kept.push_back(std::to_string(static_cast<long long>(now) + static_cast<long long>(period)) + " " + who + " " + h);
  if (kept.size() > max_) kept.erase(kept.begin(), kept.end() - static_cast<ptrdiff_t>(max_));
  std::string out;
  for (const auto& l : kept) out += l + "\n";
  if (auto s = write_file_atomic(path_, out, 0600); !s) return std::unexpected(s.error());
  return true;
}

}  // namespace posta::sieve
