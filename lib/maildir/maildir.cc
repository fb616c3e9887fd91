#include "maildir/maildir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <vector>

#include "base/strings.h"
#include "io/fd.h"

namespace posta::maildir {

namespace {

Status make_dir(const std::string& d, mode_t mode) {
  if (::mkdir(d.c_str(), mode) == 0 || errno == EEXIST) return {};
  return fail_sys("unable to create " + d);
}

// mkdir -p for the parents of dir.
Status make_parents(const std::string& dir) {
  for (size_t p = dir.find('/', 1); p != std::string::npos; p = dir.find('/', p + 1)) {
    if (auto s = make_dir(dir.substr(0, p), 0700); !s) return s;
  }
  return {};
}

std::atomic<unsigned long> g_deliveries{0};

// Counts the LFs not preceded by CR (the extra bytes of the CRLF form, for ",W=").
struct BareLfCounter {
  uint64_t bare = 0;
  char prev = 0;
  void add(std::string_view s) {
    for (char c : s) {
      if (c == '\n' && prev != '\r') ++bare;
      prev = c;
    }
  }
};

// Copies msg_fd from offset 0 to out; returns bytes copied.
Result<uint64_t> copy_fd(int msg_fd, int out, BareLfCounter& lf) {
  std::vector<char> buf(1 << 16);
  uint64_t off = 0;
  for (;;) {
    ssize_t r = ::pread(msg_fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == ESPIPE) return fail("message input is not seekable", ESPIPE);
    if (r < 0) return fail_sys("unable to read message");
    if (r == 0) return off;
    std::string_view chunk(buf.data(), static_cast<size_t>(r));
    lf.add(chunk);
    if (auto w = write_all(out, chunk); !w) return std::unexpected(w.error());
    off += static_cast<uint64_t>(r);
  }
}

}  // namespace

Status ensure_maildir(const std::string& dir) {
  struct stat st;
  if (::stat((dir + "/cur").c_str(), &st) == 0 && ::stat((dir + "/new").c_str(), &st) == 0 &&
      ::stat((dir + "/tmp").c_str(), &st) == 0)
    return {};
  if (auto s = make_parents(dir); !s) return s;
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    if (auto s = make_dir(dir + sub, 0700); !s) return s;
  }
  return {};
}

bool valid_folder_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/') return false;
  }
  return true;
}

const std::vector<std::string>& default_folders() {
  static const std::vector<std::string> names = {"Drafts", "Sent", "Trash", "Junk", "Archive"};
  return names;
}

std::string folder_dir(const std::string& maildir, std::string_view name) {
  if (name.empty()) return maildir;
  if (iequals(name, "INBOX")) return maildir;
  return maildir + "/." + std::string(name);
}

Status create_folder(const std::string& maildir, std::string_view name) {
  if (!valid_folder_name(name)) return fail("invalid folder name", EINVAL);
  std::string dir = folder_dir(maildir, name);
  if (dir == maildir) return ensure_maildir(maildir);
  if (auto s = ensure_maildir(maildir); !s) return s;
  if (auto s = ensure_maildir(dir); !s) return s;
  std::string marker = dir + "/maildirfolder";
  auto fd = open_fd(marker, O_WRONLY | O_CREAT, 0600);
  if (!fd) return std::unexpected(fd.error());
  return {};
}

std::string safe_hostname(std::string_view host) {
  std::string out;
  for (char c : host) {
    if (c == '/') out += "\\057";
    else if (c == ':') out += "\\072";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += '_';
    else out += c;
  }
  return out.empty() ? "localhost" : out;
}

std::string local_hostname() {
  static const std::string host = [] {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return std::string("localhost");
    return safe_hostname(buf);
  }();
  return host;
}

std::string unique_name() {
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  unsigned long n = ++g_deliveries;
  std::string s = std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
                  std::to_string(::getpid()) + "Q" + std::to_string(n) + "." + local_hostname();
  return s;
}

Result<Delivered> deliver(const std::string& dir, std::string_view prefix, int msg_fd) {
  std::string base = unique_name();
  std::string tmp = dir + "/tmp/" + base;
  int raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (raw < 0) return fail_sys("unable to create " + tmp);
  Fd fd(raw);
  struct Unlinker {
    std::string p;
    ~Unlinker() { if (!p.empty()) ::unlink(p.c_str()); }
  } guard{tmp};
  uint64_t size = prefix.size();
  BareLfCounter lf;
  lf.add(prefix);
  if (auto w = write_all(fd.get(), prefix); !w) return fail(w.error().what + " " + tmp, w.error().code);
  if (msg_fd >= 0) {
    auto c = copy_fd(msg_fd, fd.get(), lf);
    if (!c) return fail(c.error().what + " " + tmp, c.error().code);
    size += *c;
  }
  if (::fsync(fd.get()) != 0) return fail_sys("unable to fsync " + tmp);
  if (::close(fd.release()) != 0) return fail_sys("unable to close " + tmp);
  Delivered d;
  d.size = size;
  d.vsize = size + lf.bare;
  d.name = base + ",S=" + std::to_string(size) + ",W=" + std::to_string(d.vsize);
  d.path = dir + "/new/" + d.name;
  if (::link(tmp.c_str(), d.path.c_str()) != 0) return fail_sys("unable to link into " + d.path);
  auto synced = fsync_dir(dir + "/new");
  if (!synced) {
    ::unlink(d.path.c_str());
    return std::unexpected(synced.error());
  }
  return d;
}

Result<Delivered> deliver_data(const std::string& dir, std::string_view data) {
  return deliver(dir, data, -1);
}

size_t clean_tmp(const std::string& dir, time_t now) {
  std::string tmp = dir + "/tmp";
  DIR* d = ::opendir(tmp.c_str());
  if (!d) return 0;
  size_t n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string p = tmp + "/" + e->d_name;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    time_t last = std::max({st.st_atime, st.st_mtime, st.st_ctime});
    if (last + 129600 < now && ::unlink(p.c_str()) == 0)
      ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace posta::maildir
