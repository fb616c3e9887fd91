#include "queue/normalize.h"

namespace posta::queue {

void MessageNormalizer::feed(std::string_view in, std::string& out) {
  size_t i = 0;
  while (i < in.size() && !refused()) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (in[i] != '\n') {
        refuse("Message contains a bare CR (see RFC 5321 2.3.8)");
        break;
      }
      out += '\n';
      line_ = 0;
      ++i;
      continue;
    }
    // a run of ordinary bytes is copied in one append
    size_t j = in.find_first_of(std::string_view("\r\n\0", 3), i);
    size_t end = j == std::string_view::npos ? in.size() : j;
    line_ += end - i;
    if (line_ > kMaxStoredLine) {
      refuse("Message contains a line longer than 998 characters");
      break;
    }
    out.append(in.substr(i, end - i));
    if (j == std::string_view::npos) break;
    char c = in[j];
    i = j + 1;
    if (c == '\0') {
      refuse("Message contains a NUL character");
    } else if (c == '\r') {
      pending_cr_ = true;
    } else {
      out += '\n';
      line_ = 0;
    }
  }
}

void MessageNormalizer::finish() {
  if (pending_cr_) refuse("Message contains a bare CR (see RFC 5321 2.3.8)");
  pending_cr_ = false;
}

std::string MessageNormalizer::refusal() const {
  return problem_ ? std::string("5.6.0 ") + problem_ : std::string();
}

bool normalize_message(std::string_view in, std::string& out, std::string& why) {
  MessageNormalizer n;
  n.feed(in, out);
  n.finish();
  why = n.refusal();
  if (n.refused()) out.clear();
  return !n.refused();
}

}  // namespace posta::queue
