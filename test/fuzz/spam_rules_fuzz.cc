// libFuzzer target for posta-spamcheck's rules parser (posta-spamrules(5)): the text is a
// rules file; when it loads, its rules run over a small message, so hostile patterns are
// compiled and matched under the PCRE2 limits.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mime/message.h"
#include "spam/content.h"
#include "spam/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  posta::spam::RuleSet rules;
  if (!rules.add(text, "fuzz") || !rules.finish()) return 0;
  static const posta::spam::Content content = posta::spam::extract_content(posta::mime::to_crlf(
      "From: a@example.test\nSubject: =?utf-8?B?w7xiZXI=?= FREE\nContent-Type: text/html\n\n"
      "<p>aaaaaaaaaaaaaaaaaaaaaaaaaaaa!</p><a href=\"http://bit.ly/x\">x</a>\n"));
  posta::spam::Analysis a;
  rules.evaluate(content, a);
  return 0;
}
