#include "io/fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

namespace posta {

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<Pipe> Pipe::make() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_sys("unable to create pipe");
  return Pipe{Fd(p[0]), Fd(p[1])};
}

Result<Fd> open_fd(const std::string& path, int flags, int mode) {
  int fd;
  do fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return fail_sys("unable to open " + path);
  return Fd(fd);
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return fail_sys("unable to write");
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return {};
}

Result<size_t> read_full(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail_sys("unable to read");
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

Result<std::string> read_all(int fd, size_t max) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail_sys("unable to read");
    }
    if (r == 0) return out;
    if (out.size() + static_cast<size_t>(r) > max) return fail("input too large", EFBIG);
    out.append(buf, static_cast<size_t>(r));
  }
}

Result<std::string> read_file(const std::string& path, size_t max) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  auto s = read_all(fd->get(), max);
  if (!s) return fail(s.error().what + " " + path, s.error().code);
  return s;
}

Status move_fd(int fd, int target) {
  if (fd == target) {
    set_cloexec(fd, false);
    return {};
  }
  if (::dup2(fd, target) < 0) return fail_sys("unable to dup2");
  return {};
}

void set_cloexec(int fd, bool on) {
  int f = ::fcntl(fd, F_GETFD);
  if (f >= 0) ::fcntl(fd, F_SETFD, on ? (f | FD_CLOEXEC) : (f & ~FD_CLOEXEC));
}

void set_nonblock(int fd, bool on) {
  int f = ::fcntl(fd, F_GETFL);
  if (f >= 0) ::fcntl(fd, F_SETFL, on ? (f | O_NONBLOCK) : (f & ~O_NONBLOCK));
}

std::string dirname_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status fsync_dir(const std::string& dir) {
  auto fd = open_fd(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(fd.error());
  if (::fsync(fd->get()) != 0) return fail_sys("unable to fsync " + dir);
  return {};
}

Status write_file_atomic(const std::string& path, std::string_view data, int mode) {
  auto tmp = TempFile::create(dirname_of(path), mode);
  if (!tmp) return std::unexpected(tmp.error());
  if (auto w = write_all(tmp->fd(), data); !w) return fail(w.error().what + " " + tmp->path(), w.error().code);
  return tmp->commit(path);
}

Result<TempFile> TempFile::create(const std::string& dir, int mode) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path = dir + "/.tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) {
      ::fchmod(fd, static_cast<mode_t>(mode));
      return TempFile(Fd(fd), std::move(path));
    }
    if (errno != EEXIST) return fail_sys("unable to create " + path);
  }
  return fail("unable to create a temporary file in " + dir, EEXIST);
}

TempFile::~TempFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status TempFile::commit(const std::string& final_path) {
  if (::fsync(fd_.get()) != 0) return fail_sys("unable to fsync " + path_);
  fd_.reset();
  if (::rename(path_.c_str(), final_path.c_str()) != 0) return fail_sys("unable to rename to " + final_path);
  path_.clear();
  return fsync_dir(dirname_of(final_path));
}

}  // namespace posta
