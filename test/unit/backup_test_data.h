// Test data for the lib/backup tests.
#pragma once
#include <cstdint>
#include <string>

#include "backup/crypto.h"

namespace posta::test {

// n bytes of a fixed linear congruential sequence: incompressible, the same every run.
inline std::string pseudo_random(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (auto& c : s) {
    seed = seed * 1103515245 + 12345;
    c = char(seed >> 16);
  }
  return s;
}

// scrypt cheap enough for tests (N = 2^10)
inline backup::KdfParams test_kdf() {
  backup::KdfParams k;
  k.log2_n = 10;
  return k;
}

}  // namespace posta::test
