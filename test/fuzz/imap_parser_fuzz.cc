// libFuzzer target for the IMAP command parser.
// The input is split at the first NUL-free line into a command text; every parser entry
// point a command handler uses is run over it.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string>

#include "imap/command_reader.h"
#include "imap/list_pattern.h"
#include "imap/parser.h"

using namespace posta::imap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  RawCommand cmd;
  // Bytes after a "\n" become literals, as the command reader would deliver them.
  size_t nl = s.find('\n');
  cmd.text = s.substr(0, nl);
  if (nl != std::string::npos) cmd.literals.push_back(s.substr(nl + 1));
  size_t n = 0, start = 0;
  bool ns = false;
  (void)trailing_literal(cmd.text, n, ns, start);
  (void)guess_tag(cmd.text);
  for (int entry = 0; entry < 8; ++entry) {
    Parser p(cmd);
    switch (entry) {
      case 0: (void)p.tag(); (void)p.sp(); (void)p.atom(); break;
      case 1: (void)p.sequence_set(); break;
      case 2: (void)p.fetch_atts(); break;
      case 3: (void)p.search_program(); break;
      case 4: (void)p.flag_list(); break;
      case 5: (void)p.date_time(); (void)p.date(); break;
      case 6: while (p.astring() && p.sp()) {} break;
      case 7:
        if (auto m = p.list_mailbox())
          if (auto lp = ListPattern::compile(*m, '.')) (void)lp->matches(cmd.text);
        (void)p.nstring();
        break;
    }
  }
  return 0;
}
