// libFuzzer target for the mbox reader (lib/mime/mbox.h) on arbitrary files: separators,
// escaped From lines, line ends, lines longer than a read piece. Checks that every message
// is within the cut, that the messages hold no more bytes than the file, and that there
// are no more messages than "From " lines. Built by `make fuzz` into build-fuzz/bin/ (clang
// 16, ASan+UBSan) and run for a short while by test/bats/fuzz.bats.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mime/mbox.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  int fd = ::memfd_create("mbox", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, in.data(), in.size()) != static_cast<ssize_t>(in.size()) || ::lseek(fd, 0, SEEK_SET) != 0)
    __builtin_trap();
  size_t froms = in.starts_with("From ") ? 1 : 0;
  for (size_t at = in.find("\nFrom "); at != std::string_view::npos; at = in.find("\nFrom ", at + 1)) ++froms;
  constexpr size_t kMax = 512;
  posta::mime::MboxReader r(posta::Fd(fd), kMax);
  size_t n = 0, bytes = 0;
  for (;;) {
    auto m = r.next();
    if (!m) __builtin_trap();  // a memfd does not fail to read
    if (!*m) break;
    if ((*m)->size() > kMax) __builtin_trap();
    bytes += (*m)->size();
    ++n;
  }
  if (n > froms || bytes > size) __builtin_trap();
  return 0;
}
