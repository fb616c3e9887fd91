// libFuzzer target for the ManageSieve command parser (lib/managesieve) and script names.
// The input is split at the first "\n" into the command text and one literal, as the
// command reader would deliver them; every entry point posta-managesieved uses runs on it.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string>

#include "managesieve/protocol.h"
#include "sieve/script_store.h"

using namespace posta;
using namespace posta::managesieve;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  imap::RawCommand raw;
  size_t nl = s.find('\n');
  raw.text = s.substr(0, nl);
  if (nl != std::string::npos) raw.literals.push_back(s.substr(nl + 1));
  (void)parse_sasl_response(raw);
  auto cmd = parse_command(raw);
  if (!cmd) return 0;
  for (const char* spec : {"", "s", "ss", "sn"}) (void)expect_args(*cmd, spec, 1);
  for (auto& a : cmd->args) {
    if (a.is_number) continue;
    (void)sieve::valid_script_name(a.str);
    (void)response("NO", "", a.str);
  }
  return 0;
}
