// libFuzzer target for the MIME structure parser on deeply nested input: each input byte is
// an instruction that builds a message (open a multipart or message/rfc822 with one of a few
// boundaries, write a delimiter or a close delimiter of any open level, or a line of text),
// so nesting to the depth and part limits, unclosed parts and stray delimiters are reached
// in a few steps. Checks that every part lies inside its parent and that the work of the
// parse (bytes scanned) stays linear in the message for the bounded depth.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "imap/structure.h"
#include "mime/decode.h"
#include "mime/message.h"

using namespace posta;

namespace {

[[noreturn]] void fail(const char* what) {
  __builtin_printf("invariant broken: %s\n", what);
  std::abort();
}

std::string build(const uint8_t* data, size_t size) {
  std::string m;
  std::vector<std::string> open;  // boundaries of the multiparts we are inside
  auto boundary = [](uint8_t b) { return std::string("b") + static_cast<char>('0' + (b % 4)); };
  m += "Subject: nest\r\n";
  for (size_t i = 0; i < size && m.size() < 200000; ++i) {
    uint8_t b = data[i];
    switch (b >> 5) {
      case 0:
      case 1:  // a multipart header block, and maybe its first delimiter
        m += "Content-Type: multipart/" + std::string(b & 16 ? "digest" : "mixed") + "; boundary=\"" + boundary(b) + "\"\r\n\r\n";
        open.push_back(boundary(b));
        if (b & 8) m += "--" + open.back() + "\r\n";
        break;
      case 2:  // a delimiter of some open level
        if (!open.empty()) m += "--" + open[b % open.size()] + "\r\n";
        break;
      case 3:  // a close delimiter of some open level
        if (!open.empty()) {
          size_t k = b % open.size();
          m += "--" + open[k] + "--\r\n";
          open.resize(k);
        }
        break;
      case 4:  // an embedded message
        m += "Content-Type: message/rfc822\r\n\r\n";
        break;
      case 5:  // a text part header
        m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: " +
             std::string(b & 1 ? "base64" : "quoted-printable") + "\r\n\r\n";
        break;
      case 6:  // text that looks like delimiters but is not at a line start
        m += "x--" + boundary(b) + "--\r\n";
        break;
      default:  // a blank line, or a line without its CRLF
        m += b & 1 ? "\r\n" : "=4a text";
        break;
    }
  }
  return m;
}

void check(const mime::Part& p, size_t lo, size_t hi, int depth) {
  if (p.header_start < lo || p.body_start < p.header_start || p.end < p.body_start || p.end > hi)
    fail("part outside its parent");
  if (depth > mime::Limits{}.max_depth + 1) fail("nested past the depth limit");
  size_t prev_end = p.body_start;
  for (auto& ch : p.children) {
    if (p.multipart() && ch.header_start < prev_end) fail("children overlap");
    check(ch, p.body_start, p.end, depth + 1);
    prev_end = ch.end;
  }
}

size_t count_parts(const mime::Part& p) {
  size_t n = 1;
  for (auto& c : p.children) n += count_parts(c);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string msg = build(data, size);
  mime::ParseStats stats;
  mime::Part root = mime::parse(msg, {}, &stats);
  check(root, 0, msg.size(), 0);
  mime::Limits lim;
  // Multipart children (and their empty stand-ins) count against max_parts; the stand-ins
  // for empty multiparts come on top, one per multipart at most.
  if (count_parts(root) > 2 * (lim.max_parts + 1)) fail("more parts than the limit");
  // Each nesting level scans its own parts' bytes a few times (headers, delimiters, line
  // counts); levels are bounded by max_depth.
  if (stats.bytes_scanned > static_cast<size_t>(lim.max_depth + 2) * 4 * (msg.size() + 8))
    fail("parse work not linear in the message");
  (void)imap::body_structure(root, true);
  const mime::Part* p = &root;
  while (!p->children.empty()) p = &p->children.back();
  (void)mime::decode_body(std::string_view(msg).substr(p->body_start, p->body_size()), p->encoding, p->param("charset"));
  return 0;
}
