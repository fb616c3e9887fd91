// libFuzzer target for lib/smtp: command lines, paths with parameters, xtext, BDAT
// Invariants checked: nothing crashes; a parsed mailbox prints (str()) to a form that parses
// back to the same local part and domain; xtext round-trips.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats; g++ -DPOSTA_FUZZ_MAIN builds a seed-mutating driver.
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
  std::string r = format_reply(250, "2.0.0", s);
  check(r.find('\r') == r.size() - 2 || r.find("\r\n") != std::string::npos);
  fuzz_body(s);
  return 0;
}

#ifdef POSTA_FUZZ_MAIN
#include "standalone_main.h"

int main(int argc, char** argv) {
  static const char kAlphabet[] = "<>@\":;,.+=[]\\ \r\n\0\x80\xc3\xff" "aZ09-!%";
  return posta::fuzz::standalone_main(
      argc, argv,
      {.seeds = {"MAIL FROM:<user@example.org> SIZE=100 BODY=8BITMIME", "RCPT TO:<\"a@b\"@c.example>",
                 "RCPT TO:<@a,@b:c@d> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+40y", "BDAT 100 LAST",
                 "FROM:<j\xc3\xb6rg@b\xc3\xbc.example> SMTPUTF8", "TO:<user@[IPv6:::1]>", "a\r\n.\r\n",
                 "x\n.\ny\r.\r\n", "AUTH PLAIN AHVzZXIAcGFzcw==", "FROM:<> RET=HDRS ENVID=a+2Bb"},
       .alphabet = std::string(kAlphabet, sizeof kAlphabet - 1),
       .max_edits = 6});
}
#endif
