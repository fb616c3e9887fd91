// libFuzzer target for Sieve (lib/sieve): the lexer, parser and checker on the fuzzed text,
// and when it compiles, the interpreter against a message (the bytes after the first NUL,
// or a fixed message) under small limits: whatever the script says, the work stays bounded
// and nothing crashes. Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and
// run for a short while by test/bats/fuzz.bats; g++ -DPOSTA_FUZZ_MAIN builds a seed-mutating driver.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sieve/sieve.h"

namespace {

const char* kMessage =
    "From: Alice <alice+x@example.org>\r\nTo: bob@example.com\r\nSubject: =?UTF-8?Q?hi_there?=\r\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\nReceived: from a by b; Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody text\r\n--b--\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view text = in.substr(0, nul);
  std::string_view message = nul == std::string_view::npos ? std::string_view(kMessage) : in.substr(nul + 1);
  posta::sieve::CompileOptions co;
  co.limits.max_nesting = 16;
  auto script = posta::sieve::compile(text, co);
  if (!script) return 0;
  posta::sieve::Message msg;
  msg.raw = message;
  msg.envelope_from = "alice+x@example.org";
  msg.envelope_to = "bob+y@example.com";
  posta::sieve::RunOptions ro;
  ro.limits.max_steps = 100000;
  ro.limits.regex_match_limit = 10000;
  ro.now = 1057049557;
  ro.includes.load = [](std::string_view name, bool) -> posta::Result<std::string> {
    if (name == "self") return std::string("require \"include\"; include \"self\";");
    return posta::fail("no such script", ENOENT);
  };
  auto out = posta::sieve::run(*script, msg, ro);
  if (out) (void)posta::sieve::format_outcome(*out);
  return 0;
}

#ifdef POSTA_FUZZ_MAIN
#include "standalone_main.h"

int main(int argc, char** argv) {
  return posta::fuzz::standalone_main(
      argc, argv,
      {.seeds = {"require [\"fileinto\", \"variables\", \"regex\"]; if header :regex \"subject\" \"(.*)\" "
                 "{ fileinto \"${1}\"; }",
                 "if anyof (address :domain \"from\" \"example.org\", not size :over 1K) { discard; stop; }",
                 "require [\"vacation\", \"imap4flags\"]; addflag \"\\\\Seen\"; vacation :days 1 text:\nhi\n.\n;",
                 "require [\"date\", \"index\", \"relational\"]; if date :index 1 :last \"received\" \"year\" \"2003\" {keep;}",
                 "require \"include\"; include :optional \"self\"; redirect \"a@b.c\";",
                 "require [\"body\", \"variables\"]; set :upper \"x\" \"${y}\"; if body :text :matches \"*?*\" {keep;}"},
       .alphabet = "{}[]();,:\"\\*?$ .#/\nifheaderaddressenvelopekeepfileintoredirectdiscardstopsetrequire",
       .max_edits = 8,
       .random_byte_one_in = 4});
}
#endif
