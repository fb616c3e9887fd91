// libFuzzer target for the DMARC record parser (lib/dmarc/record.h): any TXT text a remote
// domain publishes at _dmarc. Built by `make fuzz` into build-fuzz/bin/ (clang 16,
// ASan+UBSan) and run for a short while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dmarc/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = posta::dmarc::parse_record(text);
  // what a parsed record promises its users
  if (r && (!posta::dmarc::is_dmarc_record(text) || r->pct < 0 || r->pct > 100 || r->fo.empty() || r->rf.empty() ||
            (r->p_assumed && r->rua.empty())))
    __builtin_trap();
  return 0;
}
