// libFuzzer target for the parsers of lib/maildir (maildirsize, quota definitions, file
// names, folder names) and lib/mailhdr (header blocks).
// Invariants: nothing crashes; header field offsets and the body offset stay in the input.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats; g++ -DPOSTA_FUZZ_MAIN builds a seed-mutating driver.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "maildir/maildir.h"
#include "maildir/quota.h"
#include "maildir/reader.h"
#include "mailhdr/mailhdr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = posta::maildir::parse_maildirsize(in);
  if (m) (void)posta::maildir::format_quota_definition(m->limit);
  (void)posta::maildir::parse_quota_definition(in.substr(0, in.find('\n')));
  auto n = posta::maildir::parse_name(in);
  (void)posta::maildir::name_with_flags(n.base, n.flags);
  (void)posta::maildir::valid_folder_name(in);
  auto h = posta::mailhdr::parse_header(in);
  if (h.body_offset > size) __builtin_trap();
  for (const auto& f : h.fields) {
    if (f.offset + f.length > size) __builtin_trap();
  }
  (void)posta::mailhdr::strip_angle(in);
  return 0;
}

#ifdef POSTA_FUZZ_MAIN
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "io/fd.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::atol(argv[1]) == 0) {  // replay files
    for (int i = 1; i < argc; ++i) {
      auto s = posta::read_file(argv[i]);
      if (s) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s->data()), s->size());
    }
    return 0;
  }
  long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  const std::vector<std::string> seeds = {
      "1000000S,1000C\n100 1\n -5 -1\n", "5C\n", "123.M4P5Q6.host,S=12,W=13:2,FRS",
      "Received: a\n b\r\nX: y\n\nbody", "From x\n:\n \n\r\n", "Lists.a.b", "<a@b>"};
  const std::string alphabet = "0123456789SC,: \t\r\n-=WP.M<>@aZ:2";
  std::mt19937 rng(12345);
  for (long i = 0; i < iterations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
      char c = (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s.insert(s.begin() + static_cast<long>(pos), c); break;
        case 1: if (pos < s.size()) s.erase(pos, 1); break;
        default: if (pos < s.size()) s[pos] = c; break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::printf("%ld inputs, no crash\n", iterations);
  return 0;
}
#endif
