#include "smtp/body.h"

namespace posta::smtp {

void BodyFilter::add_line(std::string_view text, bool bare_lf, std::string& out) {
  p_.bytes += text.size() + 2;
  if (bare_lf) p_.bare_lf = true;
  if (text.size() > kMaxTextLine) p_.long_line = true;
  if (text.find('\r') != std::string_view::npos) p_.bare_cr = true;
  if (text.find('\0') != std::string_view::npos) p_.nul = true;
  if (max_ && p_.bytes > max_) p_.too_big = true;
  if (refused()) {
    out.clear();
    return;
  }
  out.append(text);
  out += '\n';
}

void BodyFilter::add_overlong_line() {
  p_.long_line = true;
  p_.bytes += kMaxTextLine + 3;
  if (max_ && p_.bytes > max_) p_.too_big = true;
}

bool BodyFilter::refused() const {
  return p_.too_big || p_.long_line || p_.bare_cr || p_.nul ||
         (p_.bare_lf && policy_ == BareLfPolicy::kReject);
}

BodyFilter::Refusal BodyFilter::refusal() const {
  if (p_.too_big) return {552, "5.3.4", "Message size exceeds fixed maximum message size"};
  if (p_.bare_cr) return {554, "5.6.0", "Message contains a bare CR (see RFC 5321 2.3.8)"};
  if (p_.bare_lf && policy_ == BareLfPolicy::kReject)
    return {554, "5.6.0", "Message contains a bare LF (see RFC 5321 2.3.8)"};
  if (p_.nul) return {554, "5.6.0", "Message contains a NUL character"};
  if (p_.long_line) return {554, "5.6.0", "Message contains a line longer than 998 characters"};
  return {250, "2.0.0", "Ok"};
}

DataDecoder::Step DataDecoder::feed(const Line& line, std::string_view& content) {
  std::string_view t = line.text;
  bool crlf = !line.bare_lf;
  if (t == "." && crlf && prev_crlf_) return Step::kEnd;
  prev_crlf_ = crlf;
  if (!t.empty() && t.front() == '.') t.remove_prefix(1);
  content = t;
  return Step::kContent;
}

void ChunkSplitter::feed(std::string_view bytes, BodyFilter& body, std::string& out) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    std::string_view part = bytes.substr(0, nl);
    if (!carry_overlong_) {
      carry_.append(part);
      if (carry_.size() > kMaxTextLine + 1) {
        carry_overlong_ = true;
        carry_.clear();
      }
    }
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
    if (carry_overlong_) {
      body.add_overlong_line();
    } else {
      bool bare_lf = carry_.empty() || carry_.back() != '\r';
      if (!bare_lf) carry_.pop_back();
      body.add_line(carry_, bare_lf, out);
    }
    carry_.clear();
    carry_overlong_ = false;
  }
}

void ChunkSplitter::finish(BodyFilter& body, std::string& out) {
  if (carry_overlong_) body.add_overlong_line();
  else if (!carry_.empty()) body.add_line(carry_, false, out);
  carry_.clear();
  carry_overlong_ = false;
}

}  // namespace posta::smtp
