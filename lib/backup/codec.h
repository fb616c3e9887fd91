// The binary encoding of the repository's records (INTERNALS.md "Backup repository"):
// unsigned LEB128 varints and length-prefixed byte strings. The reader is strict: a record
// that ends early, or has bytes left when its decoder is done, is an error.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::backup {

class Encoder {
 public:
  void u64(uint64_t v);
  void bytes(std::string_view s);  // length, then the bytes
  void raw(std::string_view s) { out_.append(s); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  [[nodiscard]] Result<uint64_t> u64();
  [[nodiscard]] Result<std::string_view> bytes();
  [[nodiscard]] Result<std::string_view> raw(size_t n);
  bool done() const { return in_.empty(); }
  [[nodiscard]] Status finish() const;

 private:
  std::string_view in_;
};

}  // namespace posta::backup
