// What a compiled form saves (31-local-sieve.sh): compiles the script SCRIPT_FILE N times, then
// loads its compiled form N times (decoding and the checker, lib/sieve/compiled_form.h), then
// N times as posta-local does it (ScriptStore::load: reading the form file too), alternately in
// rounds so that the load of the machine falls on all alike; prints
// "compile_us LOAD_US read_and_load_us" per script. Built by the workload against
// build/libposta.a.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "io/fd.h"
#include "sieve/compiled_form.h"
#include "sieve/script_store.h"

using namespace posta;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: sieve_load SCRIPT_FILE N WORK_DIR\n";
    return 100;
  }
  auto text = read_file(argv[1], 1 << 20);
  if (!text) return std::cerr << text.error().what << "\n", 111;
  long n = std::atol(argv[2]);
  std::string md = std::string(argv[3]) + "/sieve-load-md";
  std::filesystem::create_directories(md);
  sieve::ScriptStore store(md);
  if (auto st = store.put("bench", *text); !st) return std::cerr << st.error().what << "\n", 111;
  auto form = read_file(store.compiled_path_of("bench"));
  if (!form) return std::cerr << form.error().what << "\n", 111;
  double t[3] = {0, 0, 0};
  constexpr int kRounds = 10;
  for (int r = 0; r < kRounds; ++r) {
    for (int k = 0; k < 3; ++k) {
      auto t0 = Clock::now();
      for (long i = 0; i < n / kRounds; ++i) {
        bool ok = false;
        if (k == 0) ok = sieve::compile(*text).has_value();
        if (k == 1) ok = sieve::load_form(*form, *text).has_value();
        if (k == 2) {
          sieve::ScriptStore::LoadNote note;
          ok = store.load("bench", *text, {}, false, &note).has_value() && note.from_form;
        }
        if (!ok) return std::cerr << "step " << k << " failed\n", 1;
      }
      t[k] += std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    }
  }
  long done = n / kRounds * kRounds;
  std::printf("%.2f %.2f %.2f\n", t[0] / done, t[1] / done, t[2] / done);
  std::filesystem::remove_all(md);
  return 0;
}
