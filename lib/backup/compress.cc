#include "backup/compress.h"

#include <zstd.h>

namespace posta::backup {

namespace {
// one compression context a thread, reused: ZSTD_compress makes and zeroes a new one a call
struct CCtx {
  ZSTD_CCtx* p = ZSTD_createCCtx();
  ~CCtx() { ZSTD_freeCCtx(p); }
};
}  // namespace

std::string pack_payload(std::string_view data, int level) {
  thread_local CCtx ctx;
  std::string out;
  size_t n = 0;
  out.resize_and_overwrite(1 + ZSTD_compressBound(data.size()), [&](char* p, size_t len) {
    p[0] = 'z';
    n = ZSTD_compressCCtx(ctx.p, p + 1, len - 1, data.data(), data.size(), level);
    return ZSTD_isError(n) ? size_t(1) : 1 + n;
  });
  if (ZSTD_isError(n) || n >= data.size()) {
    std::string raw(1 + data.size(), 'r');
    data.copy(raw.data() + 1, data.size());
    return raw;
  }
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
