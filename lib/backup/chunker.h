// Content-defined chunking (FastCDC with a gear hash, normalized chunking): boundaries
// depend on the bytes around them, not on offsets, so an insertion changes only the chunks
// near it and the rest deduplicate.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

namespace posta::backup {

struct ChunkSizes {
  size_t min = 256 << 10, avg = 1 << 20, max = 4 << 20;  // avg: a power of two
};

// The lengths of the chunks of data, in order; they add up to data.size().
std::vector<size_t> chunk_lengths(std::string_view data, const ChunkSizes& s = {});

}  // namespace posta::backup
