#include "io/deflate.h"

namespace posta {

// Window bits -15: raw deflate with a 32 KiB window, as RFC 4978 section 4 requires.
Deflater::Deflater() { ok_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
Deflater::~Deflater() {
  if (ok_) deflateEnd(&z_);
}

Status Deflater::compress(std::string_view in, std::string& out) {
  if (!ok_) return fail("deflate: not initialised");
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  do {
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = sizeof buf;
    int r = deflate(&z_, Z_SYNC_FLUSH);
    if (r != Z_OK && r != Z_BUF_ERROR) return fail("deflate: error " + std::to_string(r));
    out.append(buf, sizeof buf - z_.avail_out);
  } while (z_.avail_out == 0 || z_.avail_in > 0);
  return {};
}

Inflater::Inflater() { ok_ = inflateInit2(&z_, -15) == Z_OK; }
Inflater::~Inflater() {
  if (ok_) inflateEnd(&z_);
}

Status Inflater::decompress(std::string_view in, std::string& out) {
  if (!ok_) return fail("inflate: not initialised");
  if (ended_ && !in.empty()) return fail("inflate: data after the end of the compressed stream");
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  char buf[16384];
  // Until the input is used up and zlib holds no more output (a full buffer may mean more).
  while (!ended_) {
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = sizeof buf;
    int r = inflate(&z_, Z_SYNC_FLUSH);
    if (r == Z_STREAM_END) ended_ = true;
    else if (r != Z_OK && r != Z_BUF_ERROR) return fail(std::string("inflate: ") + (z_.msg ? z_.msg : "corrupt data"));
    size_t n = sizeof buf - z_.avail_out;
    produced += n;
    if (produced > kMaxExpansion) return fail("inflate: too much data from one read");
    out.append(buf, n);
    if (z_.avail_in == 0 && z_.avail_out > 0) break;
    if (r == Z_BUF_ERROR && n == 0) break;
  }
  if (ended_ && z_.avail_in > 0) return fail("inflate: data after the end of the compressed stream");
  return {};
}

}  // namespace posta
