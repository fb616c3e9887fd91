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
#include "standalone_main.h"

int main(int argc, char** argv) {
  return posta::fuzz::standalone_main(
      argc, argv,
      {.seeds = {"1000000S,1000C\n100 1\n -5 -1\n", "5C\n", "123.M4P5Q6.host,S=12,W=13:2,FRS",
                 "Received: a\n b\r\nX: y\n\nbody", "From x\n:\n \n\r\n", "Lists.a.b", "<a@b>"},
       .alphabet = "0123456789SC,: \t\r\n-=WP.M<>@aZ:2",
       .max_edits = 8,
       .random_byte_one_in = 4});
}
#endif
