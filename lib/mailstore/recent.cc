#include "mailstore/recent.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "io/fd.h"

namespace posta::mailstore {
namespace {

constexpr const char* kRecent = "/posta-recent";
constexpr size_t kRecordSize = 22;  // "%10u %10u\n": fixed, so a rewrite is one pwrite

uint32_t read_mark(int fd, uint32_t uid_validity) {
  char buf[kRecordSize + 1];
  ssize_t n = ::pread(fd, buf, kRecordSize, 0);
  if (n != static_cast<ssize_t>(kRecordSize)) return 0;
  std::string_view s(buf, kRecordSize);
  auto number = [](std::string_view t) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc() && p == t.data() + t.size() && v <= 0xffffffffu ? v : 0;
  };
  if (number(s.substr(0, 10)) != uid_validity) return 0;
  return static_cast<uint32_t>(number(s.substr(11, 10)));
}

}  // namespace

uint32_t recent_mark(const std::string& folder, uint32_t uid_validity) {
  auto fd = open_fd(folder + kRecent, O_RDONLY);
  return fd ? read_mark(fd->get(), uid_validity) : 0;
}

Result<uint32_t> claim_recent(const std::string& folder, uint32_t uid_validity, uint32_t upto) {
  auto fd = open_fd(folder + kRecent, O_RDWR | O_CREAT, 0600);
  if (!fd) return std::unexpected(fd.error());
  while (::flock(fd->get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail_sys("unable to lock " + folder + kRecent);
  uint32_t before = read_mark(fd->get(), uid_validity);
  if (before >= upto) return before;
  char buf[kRecordSize + 1];
  std::snprintf(buf, sizeof buf, "%10u %10u\n", uid_validity, upto);
  if (::pwrite(fd->get(), buf, kRecordSize, 0) != static_cast<ssize_t>(kRecordSize))
    return fail_sys("unable to write " + folder + kRecent);
  return before;
}

}  // namespace posta::mailstore
