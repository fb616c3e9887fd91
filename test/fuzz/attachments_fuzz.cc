// libFuzzer target for the attachment checks: the input as an archive attachment (libarchive
// listing, nesting, sniffing, the unpack caps), as a whole message, and as a policy file.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mime/message.h"
#include "scan/attachments.h"
#include "scan/policy.h"

using namespace posta;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static const scan::AttachmentPolicy policy = [] {
    auto p = scan::AttachmentPolicy::parse(
        "extensions exe scr js\ncontent executable script macro diskimage shortcut\n"
        "archive-depth 3\narchive-entries 200\narchive-bytes 4M\n");
    return p ? *p : scan::AttachmentPolicy{};
  }();
  scan::AttachmentReport report;
  scan::Inspection inspection(policy, report);
  inspection.check_content("fuzz.zip", "fuzz.zip", in, 1);
  if (report.unpacked > policy.archive_bytes + (8 << 20)) __builtin_trap();  // the cap holds
  std::string msg = mime::to_crlf(in);
  (void)scan::check_attachments(msg, policy);
  (void)scan::AttachmentPolicy::parse(in);
  return 0;
}
