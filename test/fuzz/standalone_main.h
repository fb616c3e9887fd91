// The seed-mutating driver a target gets when built with g++ -DPOSTA_FUZZ_MAIN (no libFuzzer):
//   <target> [N]         N inputs (default 100000), each a seed with 1 to max_edits random
//                        inserts, deletes or replacements; the same inputs on every run
//   <target> FILE...     each file once as an input (an argument that is not a number)
// A target defines its seeds and alphabet and calls standalone_main from its main().
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace posta::fuzz {

struct Mutations {
  std::vector<std::string> seeds;
  std::string alphabet;        // the characters an edit puts in
  int max_edits = 6;
  unsigned random_byte_one_in = 0;  // also any byte at all, once in this many edits (0: never)
};

inline int standalone_main(int argc, char** argv, const Mutations& m) {
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  if (argc > 1 && std::string(argv[1]).find_first_not_of("0123456789") != std::string::npos) {
    for (int i = 1; i < argc; ++i) {
      std::ifstream f(argv[i], std::ios::binary);
      run(std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()));
    }
    return 0;
  }
  long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  std::mt19937 rng(12345);
  for (long i = 0; i < iterations; ++i) {
    std::string s = m.seeds[rng() % m.seeds.size()];
    int edits = 1 + static_cast<int>(rng() % static_cast<unsigned>(m.max_edits));
    for (int e = 0; e < edits; ++e) {
      size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
      char c = (m.random_byte_one_in && rng() % m.random_byte_one_in == 0)
                   ? static_cast<char>(rng() % 256)
                   : m.alphabet[rng() % m.alphabet.size()];
      switch (rng() % 3) {
        case 0: s.insert(pos, 1, c); break;
        case 1: if (pos < s.size()) s.erase(pos, 1); break;
        default: if (pos < s.size()) s[pos] = c; break;
      }
    }
    run(s);
  }
  std::printf("%ld inputs, no crash\n", iterations);
  return 0;
}

}  // namespace posta::fuzz
