// libFuzzer target for the hibernated IMAP session state (lib/imap/hibernation.h), which
// posta-imap-hibernate parses from its socket: any input is parsed without a crash, and
// what parses encodes back to the same text (the format is canonical). Also the frame
// header. Built by `make fuzz`, run for a short while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "imap/hibernation.h"

using namespace posta::imap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto s = parse_hibernated(in)) {
    auto again = encode_hibernated(*s);
    if (!again || *again != in) {
      __builtin_printf("invariant broken: parsed state does not encode back to its text\n");
      std::abort();
    }
    if (s->mailbox && count_uid_runs(s->mailbox->uids) < 1000000) (void)expand_uid_runs(s->mailbox->uids);
  }
  (void)parse_hibernate_frame_header(in.substr(0, 64));
  return 0;
}
