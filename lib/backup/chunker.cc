#include "backup/chunker.h"

#include <array>
#include <bit>
#include <cstdint>

namespace posta::backup {

namespace {

// 256 fixed pseudo-random 64-bit values (splitmix64 of the byte): part of the repository
// format, since they decide where chunks end.
constexpr std::array<uint64_t, 256> make_gear() {
  std::array<uint64_t, 256> g{};
  uint64_t x = 0x706f737461626b70ULL;  // "postabkp"
  for (auto& v : g) {
    x += 0x9e3779b97f4a7c15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    v = z ^ (z >> 31);
  }
  return g;
}
constexpr auto kGear = make_gear();

// A mask with `bits` one bits spread over the high half of the word (FastCDC's masks).
uint64_t spread_mask(int bits) {
  uint64_t m = 0;
  for (int i = 0; i < bits; ++i) m |= uint64_t(1) << (63 - 2 * i);
  return m;
}

size_t cut(const unsigned char* p, size_t n, const ChunkSizes& s) {
  if (n <= s.min) return n;
  if (n > s.max) n = s.max;
  size_t normal = s.avg < n ? s.avg : n;
  int bits = std::bit_width(s.avg) - 1;
  // harder to cut before avg, easier after: chunk sizes cluster around avg
  uint64_t mask_s = spread_mask(bits + 1), mask_l = spread_mask(bits - 1);
  uint64_t h = 0;
  size_t i = s.min;
  for (; i < normal; ++i) {
    h = (h << 1) + kGear[p[i]];
    if (!(h & mask_s)) return i + 1;
  }
  for (; i < n; ++i) {
    h = (h << 1) + kGear[p[i]];
    if (!(h & mask_l)) return i + 1;
  }
  return n;
}

}  // namespace

std::vector<size_t> chunk_lengths(std::string_view data, const ChunkSizes& s) {
  std::vector<size_t> out;
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t off = 0;
  while (off < data.size()) {
    size_t len = cut(p + off, data.size() - off, s);
    out.push_back(len);
    off += len;
  }
  return out;
}

}  // namespace posta::backup
