// Raw deflate streams (RFC 1951, no zlib or gzip framing) for a protocol connection whose
// two directions are compressed after a point, as IMAP COMPRESS=DEFLATE (RFC 4978) asks.
#pragma once
#include <zlib.h>

#include <string>
#include <string_view>

#include "base/error.h"

namespace posta {

// One direction that compresses: each call's output ends at a byte boundary with a sync flush,
// so that the peer can decompress everything sent so far without waiting for more.
class Deflater {
 public:
  Deflater();
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  [[nodiscard]] Status compress(std::string_view in, std::string& out);

 private:
  z_stream z_{};
  bool ok_ = false;
};

// One direction that decompresses what arrives, in pieces of any size. A decompression
// bomb is bounded by the caller's reads: at most kMaxExpansion bytes come out of one call.
class Inflater {
 public:
  static constexpr size_t kMaxExpansion = 4u << 20;
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  // Appends what in decompresses to; an error for corrupt data, data after the end of the
  // stream, or more than kMaxExpansion bytes from one call.
  [[nodiscard]] Status decompress(std::string_view in, std::string& out);

 private:
  z_stream z_{};
  bool ok_ = false;
  bool ended_ = false;
};

}  // namespace posta
