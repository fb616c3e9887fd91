#include "mime/mbox.h"

#include <ctime>

#include "base/strings.h"

namespace posta::mime {
namespace {

bool is_blank_line(std::string_view l) { return l == "\n" || l == "\r\n"; }

// ">From ", ">>From ": an escaped body line.
bool is_escaped_from(std::string_view l) {
  size_t n = l.find_first_not_of('>');
  return n != 0 && n != std::string_view::npos && l.substr(n).starts_with("From ");
}

// The empty line that precedes the next separator belongs to the mbox, not the message.
std::string finish(std::string msg) {
  if (msg.ends_with("\r\n\r\n")) msg.resize(msg.size() - 2);
  else if (msg.ends_with("\n\n")) msg.pop_back();
  return msg;
}

}  // namespace

bool looks_like_mbox(std::string_view head) { return head.starts_with("From "); }

time_t mbox_separator_time(std::string_view line) {
  if (!line.starts_with("From ")) return 0;
  line.remove_prefix(5);
  size_t sp = line.find(' ');  // after the sender
  if (sp == std::string_view::npos) return 0;
  std::string rest(line.substr(sp + 1, 80));
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.pop_back();
  struct tm tm{};
  const char* end = ::strptime(rest.c_str(), "%a %b %d %H:%M:%S", &tm);
  if (!end) return 0;
  // "[+-]hhmm " before the year, then the year
  std::string_view r = trim_view(end);
  long offset = 0;
  auto digits = [](std::string_view d) { return !d.empty() && d.find_first_not_of("0123456789") == d.npos; };
  if (r.size() > 5 && (r[0] == '+' || r[0] == '-') && digits(r.substr(1, 4)) && r[5] == ' ') {
    long hh = (r[1] - '0') * 10 + (r[2] - '0'), mm = (r[3] - '0') * 10 + (r[4] - '0');
    offset = (r[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    r = trim_view(r.substr(6));
  }
  if (r.size() < 4 || !digits(r.substr(0, 4)) || (r.size() > 4 && r[4] != ' ')) return 0;
  int year = std::stoi(std::string(r.substr(0, 4)));
  if (year < 1970 || year > 9999) return 0;
  tm.tm_year = year - 1900;
  time_t t = ::timegm(&tm);
  return t < 0 ? 0 : t - offset;
}

Result<std::optional<std::string>> MboxReader::piece(bool& line_start) {
  for (;;) {
    size_t nl = buf_.find('\n', pos_);
    size_t len = nl != std::string::npos ? nl + 1 - pos_ : buf_.size() - pos_;
    if (nl != std::string::npos || len >= kMaxPiece || (eof_ && len > 0)) {
      len = std::min(len, kMaxPiece);
      std::string out = buf_.substr(pos_, len);
      pos_ += len;
      line_start = at_line_start_;
      at_line_start_ = out.ends_with('\n');
      return std::optional<std::string>(std::move(out));
    }
    if (eof_) return std::optional<std::string>();
    buf_.erase(0, pos_);
    pos_ = 0;
    size_t have = buf_.size();
    buf_.resize(have + kMaxPiece);
    POSTA_TRY(size_t n, read_full(fd_.get(), buf_.data() + have, kMaxPiece));
    buf_.resize(have + n);
    if (n < kMaxPiece) eof_ = true;
  }
}

void MboxReader::append(std::string& msg, std::string_view s) const {
  if (msg.size() < max_) msg.append(s.substr(0, max_ - msg.size()));
}

Result<std::optional<std::string>> MboxReader::next() {
  bool line_start = false;
  while (!in_message_) {  // the first separator (anything before it is not a message)
    POSTA_TRY(auto p, piece(line_start));
    if (!p) return std::optional<std::string>();
    if (line_start && p->starts_with("From ")) {
      in_message_ = true;
      sep_ = *p;
      from_unfinished_ = !p->ends_with('\n');
      prev_blank_ = false;
    }
  }
  std::string msg;
  current_sep_ = std::move(sep_);
  sep_.clear();
  for (;;) {
    POSTA_TRY(auto p, piece(line_start));
    if (!p) {
      in_message_ = false;
      break;
    }
    if (!line_start) {  // the rest of a long line
      if (from_unfinished_) from_unfinished_ = !p->ends_with('\n');
      else append(msg, *p);
      continue;
    }
    from_unfinished_ = false;
    if (prev_blank_ && p->starts_with("From ")) {
      sep_ = *p;
      from_unfinished_ = !p->ends_with('\n');
      prev_blank_ = false;
      break;
    }
    prev_blank_ = is_blank_line(*p);
    append(msg, is_escaped_from(*p) ? std::string_view(*p).substr(1) : std::string_view(*p));
  }
  return std::optional<std::string>(finish(std::move(msg)));
}

}  // namespace posta::mime
