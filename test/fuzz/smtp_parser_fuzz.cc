// libFuzzer target for lib/smtp: command lines, paths with parameters, xtext, base64, BDAT
// arguments and the DATA/BDAT body decoders. Build (clang):
//   clang++ -std=c++2b -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
//     test/fuzz/smtp_parser_fuzz.cc lib/smtp/*.cc -o smtp_parser_fuzz
//   ./smtp_parser_fuzz -max_total_time=60
// Invariants checked: nothing crashes; a parsed mailbox prints (str()) to a form that parses
// back to the same local part and domain; xtext and base64 round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/address.h"
#include "smtp/body.h"
#include "smtp/command.h"
#include "smtp/reply.h"

using namespace posta::smtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_paths(std::string_view s) {
  for (bool utf8 : {false, true}) {
    auto a = parse_path_args(s, "FROM:", utf8, true);
    if (a && !a->path.null) {
      std::string printed = a->path.mailbox.str();
      auto m = parse_mailbox(printed, true);
      check(m.has_value());
      check(m->local == a->path.mailbox.local && m->domain == a->path.mailbox.domain);
    }
    (void)parse_path_args(s, "TO:", utf8, false);
  }
}

void fuzz_body(std::string_view s) {
  // BDAT: arbitrary chunking of the same bytes gives the same output.
  BodyFilter b1(0, BareLfPolicy::kNormalize), b2(0, BareLfPolicy::kNormalize);
  ChunkSplitter c1, c2;
  std::string o1, o2;
  c1.feed(s, b1, o1);
  c1.finish(b1, o1);
  for (size_t i = 0; i < s.size(); i += 7) c2.feed(s.substr(i, 7), b2, o2);
  c2.finish(b2, o2);
  check(o1 == o2);
  check(b1.problems().bytes == b2.problems().bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto c = parse_command(s);
  if (c) {
    fuzz_paths(c->arg);
    (void)parse_bdat(c->arg);
  }
  fuzz_paths(s);
  if (auto x = xtext_decode(s)) check(*xtext_decode(xtext_encode(*x)) == *x);
  if (auto b = base64_decode(s)) check(base64_encode(*b) == s);
  check(*base64_decode(base64_encode(s)) == s);
  std::string r = format_reply(250, "2.0.0", s);
  check(r.find('\r') == r.size() - 2 || r.find("\r\n") != std::string::npos);
  fuzz_body(s);
  return 0;
}
