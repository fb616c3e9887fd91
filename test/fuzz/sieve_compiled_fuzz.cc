// libFuzzer target for the loader of compiled Sieve scripts (lib/sieve/compiled_form.h), the
// file any post-login server could plant beside a user's script. The input is either
//   a script text, NUL, edits: the text's compiled form with the edits applied to its body
//     (pairs of a position and a byte; the checksum made right again), or
//   any bytes without a NUL: a form body around them, sealed for a fixed text;
// and the raw input once more as a whole file. Whatever is accepted must re-encode to the
// same bytes (the format has one encoding per tree) and run under small limits.
// Built by `make fuzz` into build-fuzz/bin/ and run for a short while by test/bats/fuzz.bats;
// g++ -DPOSTA_FUZZ_MAIN builds a seed-mutating driver.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sieve/compiled_form.h"

namespace {

using namespace posta::sieve;

constexpr std::string_view kText = "keep;";
constexpr size_t kHeader = 8 + 4 + 32;
const char* kMessage = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";

std::string sha256(std::string_view s) {
  unsigned char d[32];
  unsigned len = 0;
  EVP_Digest(s.data(), s.size(), d, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(d), 32);
}

// form's header for text, body, and the checksum over both.
std::string seal(std::string_view text, std::string_view body) {
  std::string f(kCompiledMagic);
  f.append("\x01\x00\x00\x00", 4);
  f += sha256(text);
  f.append(body);
  f += sha256(f);
  return f;
}

void try_load(std::string_view form, std::string_view text) {
  CompileOptions co;
  co.limits.max_nesting = 16;
  auto script = load_form(form, text, co);
  if (!script) return;
  auto tree = decode_form(form, text, co.limits);
  if (!tree || encode_form(text, *tree) != form) abort();  // accepted, so canonical
  Message msg;
  msg.raw = kMessage;
  msg.envelope_from = "a@example.org";
  msg.envelope_to = "b@example.com";
  RunOptions ro;
  ro.limits.max_steps = 100000;
  ro.limits.regex_match_limit = 10000;
  ro.now = 1057049557;
  auto out = run(*script, msg, ro);
  if (out) (void)format_outcome(*out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  if (nul == std::string_view::npos) {
    try_load(seal(kText, in), kText);
  } else {
    std::string_view text = in.substr(0, nul), edits = in.substr(nul + 1);
    CompileOptions co;
    co.limits.max_nesting = 16;
    auto compiled = compile_with_form(text, co);
    if (compiled) {
      std::string body = compiled->form.substr(kHeader, compiled->form.size() - kHeader - 32);
      for (size_t k = 0; k + 1 < edits.size() && !body.empty(); k += 2)
        body[static_cast<unsigned char>(edits[k]) % body.size()] = edits[k + 1];
      try_load(seal(text, body), text);
    }
  }
  try_load(in, kText);
  return 0;
}

#ifdef POSTA_FUZZ_MAIN
#include "standalone_main.h"

int main(int argc, char** argv) {
  return posta::fuzz::standalone_main(
      argc, argv,
      {.seeds = {std::string("require [\"fileinto\", \"regex\"]; if header :regex \"subject\" \"(.*)\" { fileinto \"x\"; }") +
                     std::string("\0\x05\x01", 3),
                 std::string("if anyof (address :domain \"from\" \"example.org\", not size :over 1K) { discard; stop; }") +
                     std::string("\0", 1),
                 std::string("\x01\x04keep\x01\x01\x00\x00\x00", 10)},
       .alphabet = std::string("\x00\x01\x02\x7f\x80\xff", 6),
       .max_edits = 8,
       .random_byte_one_in = 2});
}
#endif
