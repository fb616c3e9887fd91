#include "backup/codec.h"

namespace posta::backup {

void Encoder::u64(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(char(v | 0x80));
    v >>= 7;
  }
  out_.push_back(char(v));
}

void Encoder::bytes(std::string_view s) {
  u64(s.size());
  out_.append(s);
}

Result<uint64_t> Decoder::u64() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return fail("record ends inside a number");
    auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return fail("number too long in record");
}

Result<std::string_view> Decoder::bytes() {
  POSTA_TRY(uint64_t n, u64());
  return raw(n);
}

Result<std::string_view> Decoder::raw(size_t n) {
  if (n > in_.size()) return fail("record ends inside a string");
  auto s = in_.substr(0, n);
  in_.remove_prefix(n);
  return s;
}

Status Decoder::finish() const {
  if (!in_.empty()) return fail("trailing bytes in record");
  return {};
}

}  // namespace posta::backup
