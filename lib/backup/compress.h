// zstd for the objects of a backup repository. An object's plaintext starts with one byte
// saying how the rest is stored: 'z' zstd, 'r' raw (when zstd would not make it smaller).
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::backup {

std::string pack_payload(std::string_view data, int level = 3);
// max: the largest plaintext accepted (a frame claiming more is refused).
[[nodiscard]] Result<std::string> unpack_payload(std::string_view stored, size_t max);

}  // namespace posta::backup
