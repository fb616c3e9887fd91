#include "backup/compress.h"

#include <zstd.h>

namespace posta::backup {

std::string pack_payload(std::string_view data, int level) {
  std::string out(1 + ZSTD_compressBound(data.size()), '\0');
  out[0] = 'z';
  size_t n = ZSTD_compress(out.data() + 1, out.size() - 1, data.data(), data.size(), level);
  if (ZSTD_isError(n) || n >= data.size()) {
    std::string raw(1 + data.size(), 'r');
    data.copy(raw.data() + 1, data.size());
    return raw;
  }
  out.resize(1 + n);
  return out;
}

Result<std::string> unpack_payload(std::string_view stored, size_t max) {
  if (stored.empty()) return fail("empty object");
  std::string_view body = stored.substr(1);
  if (stored[0] == 'r') return std::string(body);
  if (stored[0] != 'z') return fail("unknown object encoding");
  unsigned long long size = ZSTD_getFrameContentSize(body.data(), body.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max)
    return fail("bad zstd frame");
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), body.data(), body.size());
  if (ZSTD_isError(n) || n != size) return fail(std::string("zstd: ") + ZSTD_getErrorName(n));
  return out;
}

}  // namespace posta::backup
