// libFuzzer target for the MIME structure parser, ENVELOPE/BODYSTRUCTURE output and the
// decoders used by SEARCH.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string>

#include "imap/structure.h"
#include "mime/address.h"
#include "mime/decode.h"
#include "mime/message.h"

using namespace posta;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s = mime::to_crlf(std::string(reinterpret_cast<const char*>(data), size));
  mime::Part root = mime::parse(s);
  (void)imap::body_structure(root, true);
  (void)imap::envelope(root.headers);
  for (uint32_t a = 1; a < 4; ++a)
    for (uint32_t b = 1; b < 4; ++b) {
      const mime::Part* p = mime::find_part(root, {a, b});
      if (p && p->end <= s.size() && p->body_start <= p->end)
        (void)mime::decode_body(std::string_view(s).substr(p->body_start, p->body_size()), p->encoding, p->param("charset"));
    }
  for (auto& h : root.headers) {
    (void)mime::decode_words(h.value);
    (void)mime::parse_addresses(h.value);
  }
  return 0;
}
