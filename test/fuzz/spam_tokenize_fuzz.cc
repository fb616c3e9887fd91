// libFuzzer target for the classifier's tokenizer (lib/spam/tokenize.h) and its HTML
// reducer on arbitrary messages: MIME structure, transfer encodings, charsets, encoded
// words, markup. Checks that the tokens are sorted, distinct, free of control bytes and
// within the token limit, and that the reduced HTML text stays within its bound.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats; g++ -DPOSTA_FUZZ_MAIN builds a seed-mutating driver.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "spam/tokenize.h"
#include "spam/tokenize_html.h"

using namespace posta;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  spam::TokenizeLimits lim;
  lim.max_tokens = 200;
  lim.max_part_text = 4096;
  lim.max_total_text = 8192;
  auto toks = spam::tokenize(in, lim);
  if (toks.size() > lim.max_tokens) __builtin_trap();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (i && !(toks[i - 1] < toks[i])) __builtin_trap();  // sorted and distinct
    for (char c : toks[i])
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
  }
  auto h = spam::html_to_text(in, 256);
  if (h.text.size() > 256 || h.urls.size() > spam::HtmlText::kMaxUrls) __builtin_trap();
  (void)spam::registered_domain(in.substr(0, 300));
  return 0;
}

#ifdef POSTA_FUZZ_MAIN
#include "standalone_main.h"

int main(int argc, char** argv) {
  return posta::fuzz::standalone_main(
      argc, argv,
      {.seeds = {"Subject: =?utf-8?b?SGVsbG8=?= hi\nFrom: A <a@b.example.co.uk>\n\nword http://x.example/ a@b.c\n",
                 "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html; charset=iso-8859-1\n"
                 "Content-Transfer-Encoding: quoted-printable\n\n<p style=3D\"display:none\">x</p><a href=3Dhttp://h>=\n"
                 "l</a>&#x41;&amp;\n--b\nContent-Disposition: attachment; filename=a.pdf.exe\n\nMZ\n--b--\n",
                 "Received: from x ([1.2.3.4]) by y with ESMTP\nMessage-ID: <1.2@x>\n\n<!-- c --><script>s</script>"},
       .alphabet = "<>/=\"' \n\r-:;.@&#xab9?=Qq_Bb%",
       .max_edits = 8,
       .random_byte_one_in = 4});
}
#endif
