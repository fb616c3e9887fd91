#include "io/line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace posta {

namespace {
constexpr size_t kTooLongKept = 128;  // of an overlong line: enough for an IMAP tag
}  // namespace

LineReader::Fill LineReader::fill() {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 65536) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  pollfd p{fd_, POLLIN, 0};
  int t = static_cast<int>(deadline_.cap(timeout_).count());
  for (;;) {
    int r = ::poll(&p, 1, t);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Fill::kError;
    if (r == 0) return Fill::kTimeout;
    break;
  }
  char tmp[16384];
  ssize_t n;
  do n = ::read(fd_, tmp, sizeof tmp);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? Fill::kOk : Fill::kError;
  if (n == 0) return Fill::kEof;
  if (filter_) return filter_(std::string_view(tmp, static_cast<size_t>(n)), buf_) ? Fill::kOk : Fill::kError;
  buf_.append(tmp, static_cast<size_t>(n));
  return Fill::kOk;
}

Line LineReader::read_line() {
  Line line;
  bool overflow = false;
  size_t searched = 0;  // bytes after pos_ already searched for LF (fill() may move pos_)
  for (;;) {
    const char* start = buf_.data() + pos_ + searched;
    const void* nl = std::memchr(start, '\n', buf_.size() - pos_ - searched);
    if (nl) {
      size_t end = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data());
      if (!overflow && end - pos_ + 1 > max_line_) {
        overflow = true;
        line.text.assign(buf_, pos_, kTooLongKept);
      }
      if (overflow) {
        pos_ = end + 1;
        line.status = Line::Status::kTooLong;
        return line;
      }
      line.text.assign(buf_, pos_, end - pos_);
      pos_ = end + 1;
      if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
      else line.bare_lf = true;
      line.bare_cr = line.text.find('\r') != std::string::npos;
      line.has_nul = line.text.find('\0') != std::string::npos;
      return line;
    }
    searched = buf_.size() - pos_;
    if (searched > max_line_) {
      // Keep the start, drop the rest while reading to the end of the overlong line.
      if (!overflow) line.text.assign(buf_, pos_, kTooLongKept);
      overflow = true;
      buf_.clear();
      pos_ = searched = 0;
    }
    switch (fill()) {
      case Fill::kOk: break;
      case Fill::kEof: line.status = Line::Status::kEof; return line;
      case Fill::kTimeout: line.status = Line::Status::kTimeout; return line;
      case Fill::kError: line.status = Line::Status::kError; return line;
    }
  }
}

bool LineReader::read_exact(size_t n, std::string& out) {
  while (buf_.size() - pos_ < n) {
    size_t have = buf_.size() - pos_;
    out.append(buf_, pos_, have);
    n -= have;
    buf_.clear();
    pos_ = 0;
    if (fill() != Fill::kOk) return false;
  }
  out.append(buf_, pos_, n);
  pos_ += n;
  return true;
}

}  // namespace posta
