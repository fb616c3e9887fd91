#include "spam/learn_queue.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>

#include "base/c_ptr.h"
#include "base/hex.h"
#include "io/fd.h"
#include "spam/tokenize.h"

namespace posta::spam {
namespace {

// Every request of this process has its own number: one MOVE may teach many messages.
std::atomic<unsigned> request_counter{0};

// A rootless instance's directories, made on first use; posta-setup makes a system-mode
// instance's (posta-c:posta 3730), which its writer could not make.
Status make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("mkdir " + dir);
  return {};
}

std::string random_part() {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != sizeof v) v = static_cast<uint64_t>(::time(nullptr)) ^ ::getpid();
  return hex_encode(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

// The first request_bytes() of the message, readable by the learner's group whatever the
// writer's umask.
Status copy_message(const std::string& from, const std::string& to) {
  POSTA_TRY(Fd in, open_fd(from, O_RDONLY));
  POSTA_TRY(Fd out, open_fd(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0640));
  if (::fchmod(out.get(), 0640) != 0) return fail_sys("chmod " + to);
  std::string buf(64u << 10, '\0');
  for (size_t left = request_bytes(); left > 0;) {
    POSTA_TRY(size_t n, read_full(in.get(), buf.data(), std::min(left, buf.size())));
    if (n == 0) break;
    if (auto w = write_all(out.get(), std::string_view(buf.data(), n)); !w) return w;
    left -= n;
  }
  if (::fsync(out.get()) != 0) return fail_sys("fsync " + to);
  return {};
}

}  // namespace

size_t request_bytes() { return TokenizeLimits{}.max_message + (256u << 10); }

const char* learn_as_name(LearnAs as) { return as == LearnAs::kSpam ? "spam" : "ham"; }

std::string learn_queue_dir(const std::string& home) { return home + "/spam/learn"; }

bool move_teaches(std::string_view from_use, std::string_view to_use, LearnAs& as) {
  if (from_use == to_use) return false;
  if (to_use == "\\Junk") {
    as = LearnAs::kSpam;
    return true;
  }
  if (from_use == "\\Junk" && to_use != "\\Trash") {
    as = LearnAs::kHam;
    return true;
  }
  return false;
}

Status request_learning(const std::string& home, const std::string& user, LearnAs as,
                        const std::string& message_path) {
  std::string dir = learn_queue_dir(home);
  for (const auto& d : {home + "/spam", dir, dir + "/tmp", dir + "/new"})
    if (auto s = make_dir(d); !s) return s;
  std::string name = std::to_string(std::time(nullptr)) + "." + std::to_string(::getpid()) + "_" +
                     std::to_string(request_counter++) + "_" + random_part() +
                     (as == LearnAs::kSpam ? ".s." : ".h.") + hex_encode(user);
  std::string tmp = dir + "/tmp/" + name;
  if (auto c = copy_message(message_path, tmp); !c) {
    if (c.error().code != EEXIST) ::unlink(tmp.c_str());
    return c;
  }
  if (::rename(tmp.c_str(), (dir + "/new/" + name).c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail_sys("rename " + tmp, err);
  }
  return {};
}

Result<size_t> remove_stale_requests(const std::string& home, time_t now) {
  std::string dir = learn_queue_dir(home) + "/tmp";
  CPtr<DIR, ::closedir> d(::opendir(dir.c_str()));
  if (!d) {
    if (errno == ENOENT) return size_t{0};
    return fail_sys("opendir " + dir);
  }
  size_t removed = 0;
  while (dirent* e = ::readdir(d.get())) {
    if (e->d_name[0] == '.') continue;
    struct stat st;
    if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (st.st_mtime + 36 * 3600 < now && ::unlinkat(::dirfd(d.get()), e->d_name, 0) == 0) ++removed;
  }
  return removed;
}

Result<std::vector<LearnRequest>> pending_requests(const std::string& home, size_t max) {
  std::string dir = learn_queue_dir(home) + "/new";
  CPtr<DIR, ::closedir> d(::opendir(dir.c_str()));
  std::vector<LearnRequest> out;
  if (!d) {
    if (errno == ENOENT) return out;
    return fail_sys("opendir " + dir);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n.empty() || n[0] == '.') continue;
    names.push_back(std::move(n));
  }
  // Oldest first: the names start with the time (equal widths until the year 2286).
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (out.size() >= max) break;
    // <time>.<pid>_<n>.<s|h>.<hex user>
    size_t first = n.find('.');
    size_t second = first == std::string::npos ? first : n.find('.', first + 1);
    if (second == std::string::npos || second + 3 > n.size() || n[second + 2] != '.') continue;
    char kind = n[second + 1];
    if (kind != 's' && kind != 'h') continue;
    auto user = hex_decode(std::string_view(n).substr(second + 3));
    if (!user || user->empty()) continue;
    out.push_back({dir + "/" + n, *user, kind == 's' ? LearnAs::kSpam : LearnAs::kHam});
  }
  return out;
}

}  // namespace posta::spam
