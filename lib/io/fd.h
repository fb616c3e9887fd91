// Move-only RAII owners of file descriptors, and full reads/writes.
#pragma once
#include <string>
#include <string_view>
#include <utility>

#include "base/error.h"

namespace posta {

class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
  // O_CLOEXEC on both ends; callers dup2 what a child should inherit.
  [[nodiscard]] static Result<Pipe> make();
};

// Opens with O_CLOEXEC added.
[[nodiscard]] Result<Fd> open_fd(const std::string& path, int flags, int mode = 0600);

// Writes everything, retrying on EINTR and short writes.
[[nodiscard]] Status write_all(int fd, std::string_view data);
// Reads up to n bytes, retrying on EINTR; returns fewer only at end of file.
[[nodiscard]] Result<size_t> read_full(int fd, char* buf, size_t n);
// Reads to end of file, failing past max bytes.
[[nodiscard]] Result<std::string> read_all(int fd, size_t max);
[[nodiscard]] Result<std::string> read_file(const std::string& path, size_t max = 16 << 20);

// Moves fd to target (dup2), clearing close-on-exec there; no-op when equal.
[[nodiscard]] Status move_fd(int fd, int target);
void set_cloexec(int fd, bool on);
void set_nonblock(int fd, bool on);

// fsync of a directory, so that a rename or link inside it is durable.
[[nodiscard]] Status fsync_dir(const std::string& dir);

// Writes data to path durably: temp name, fsync, rename, fsync of the directory.
[[nodiscard]] Status write_file_atomic(const std::string& path, std::string_view data,
                                       int mode = 0644);

// A temporary file that is removed unless commit() renamed it into place.
class TempFile {
 public:
  // Creates dir/.tmp.<pid>.<n> exclusively.
  [[nodiscard]] static Result<TempFile> create(const std::string& dir, int mode = 0600);
  TempFile(TempFile&&) noexcept = default;
  TempFile& operator=(TempFile&&) noexcept = default;
  ~TempFile();

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }
  // fsync, close, rename to final path, fsync the directory.
  [[nodiscard]] Status commit(const std::string& final_path);

 private:
  TempFile(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Fd fd_;
  std::string path_;
};

std::string dirname_of(const std::string& path);

}  // namespace posta
