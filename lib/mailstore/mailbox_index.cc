#include "mailstore/mailbox_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "io/fd.h"
#include "mailstore/index_cache.h"
#include "mailstore/names.h"

namespace posta::mailstore {
namespace {

constexpr const char* kUidlist = "/posta-uidlist";
constexpr const char* kLock = "/posta-uidlist.lock";

// flock(2) held for the lifetime of the object.
class FolderLock {
 public:
  static Result<FolderLock> take(const std::string& folder, int mode = LOCK_EX) {
    auto fd = open_fd(folder + kLock, O_RDWR | O_CREAT, 0600);
    if (!fd) return std::unexpected(fd.error());
    while (::flock(fd->get(), mode) != 0)
      if (errno != EINTR) return fail_sys("unable to lock " + folder + kLock);
    return FolderLock(std::move(*fd));
  }

 private:
  explicit FolderLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;  // closing releases the lock
};

bool parse_u64(std::string_view s, uint64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

struct timespec dir_mtime(const std::string& d) {
  struct stat st{};
  if (::stat(d.c_str(), &st) != 0) return {};
  return st.st_mtim;
}

bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

Result<MailboxIndex> MailboxIndex::open(const std::string& folder) {
  MailboxIndex ix;
  ix.folder_ = folder;
  struct stat st{};
  if (::stat((folder + "/cur").c_str(), &st) != 0) return fail_sys("unable to open " + folder);
  if (::access((folder + kUidlist).c_str(), F_OK) != 0) {
    auto lock = FolderLock::take(folder);
    if (!lock) return std::unexpected(lock.error());
    if (::access((folder + kUidlist).c_str(), F_OK) != 0) {
      std::string header = "posta-uidlist 1 " + std::to_string(static_cast<uint32_t>(::time(nullptr))) + " 1\n";
      if (auto s = write_file_atomic(folder + kUidlist, header, 0600); !s)
        return std::unexpected(s.error());
    }
  }
  if (auto s = ix.load_keywords(); !s) return std::unexpected(s.error());
  if (ix.load_cache()) return ix;
  if (auto s = ix.refresh(); !s) return std::unexpected(s.error());
  return ix;
}

// No lock needed: the cache is replaced atomically, and a change after the stamp comparison
// is simply one that happened after this open.
bool MailboxIndex::load_cache() {
  auto snap = load_index_cache(folder_);
  if (!snap) return false;
  auto now = current_stamp(folder_);
  if (!now || !(*now == snap->stamp)) return false;
  uid_validity_ = snap->uid_validity;
  uid_next_ = snap->uid_next;
  messages_ = std::move(snap->messages);
  seen_ = snap->stamp;
  seen_settled_ = true;
  uidlist_ino_ = 0;  // uids_ is not loaded: the next read_uidlist() starts from the beginning
  ++generation_;
  return true;
}

Status MailboxIndex::read_uidlist(bool from_start) {
  auto fd = open_fd(folder_ + kUidlist, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  struct stat st{};
  if (::fstat(fd->get(), &st) != 0) return fail_sys("unable to stat uidlist");
  if (from_start || st.st_ino != uidlist_ino_ || static_cast<uint64_t>(st.st_size) < uidlist_offset_) {
    uids_.clear();
    uidlist_offset_ = 0;
    uidlist_ino_ = st.st_ino;
  }
  if (static_cast<uint64_t>(st.st_size) == uidlist_offset_) return {};
  std::string data(static_cast<size_t>(st.st_size - uidlist_offset_), '\0');
  ssize_t n = ::pread(fd->get(), data.data(), data.size(), static_cast<off_t>(uidlist_offset_));
  if (n < 0) return fail_sys("unable to read " + folder_ + kUidlist);
  data.resize(static_cast<size_t>(n));
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // a writer died mid-line: ignored until rewritten
    std::string_view line(data.data() + pos, nl - pos);
    bool header = uidlist_offset_ == 0 && pos == 0;
    pos = nl + 1;
    if (header) {
      // "posta-uidlist 1 <validity> <next>"
      auto parts = split_words(line);
      uint64_t v = 0, nx = 0;
      if (parts.size() != 4 || parts[0] != "posta-uidlist" || !parse_u64(parts[2], v) ||
          !parse_u64(parts[3], nx) || v == 0 || v > 0xffffffffu || nx == 0 || nx > 0xffffffffu)
        return fail("malformed header in " + folder_ + kUidlist);
      uid_validity_ = static_cast<uint32_t>(v);
      uid_next_ = std::max(uid_next_, static_cast<uint32_t>(nx));
      continue;
    }
    size_t sp = line.find(' ');
    uint64_t uid = 0;
    if (sp == std::string_view::npos || !parse_u64(line.substr(0, sp), uid) || uid == 0 ||
        uid >= 0xffffffffu)
      continue;  // skip a damaged line rather than lose the folder
    uids_[std::string(line.substr(sp + 1))] = static_cast<uint32_t>(uid);
    uid_next_ = std::max(uid_next_, static_cast<uint32_t>(uid + 1));
  }
  uidlist_offset_ += pos;
  return {};
}

Result<std::vector<MailboxIndex::Scanned>> MailboxIndex::scan() const {
  for (int attempt = 0;; ++attempt) {
    std::vector<Scanned> out;
    auto before = dir_mtime(folder_ + "/cur");
    for (const char* sub : {"new", "cur"}) {
      std::string dir = folder_ + "/" + sub;
      DIR* d = ::opendir(dir.c_str());
      if (!d) return fail_sys("unable to open " + dir);
      while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        NameInfo ni = parse_file_name(e->d_name);
        Scanned s;
        s.base = std::move(ni.base);
        s.flags = std::move(ni.flags);
        s.filename = std::string(sub) + "/" + e->d_name;
        s.size = ni.size;
        s.vsize = ni.vsize;
        if (!ni.has_size) {
          struct stat st{};
          if (::stat((folder_ + "/" + s.filename).c_str(), &st) != 0) continue;  // vanished
          s.size = static_cast<uint64_t>(st.st_size);
        }
        out.push_back(std::move(s));
      }
      ::closedir(d);
    }
    // A rename inside cur/ during readdir may hide an entry: scan again while cur/ changes.
    if (same_time(before, dir_mtime(folder_ + "/cur")) || attempt >= 3) return out;
  }
}

void MailboxIndex::rebuild(std::vector<Scanned>& all) {
  messages_.clear();
  messages_.reserve(all.size());
  for (auto& s : all) {
    auto it = uids_.find(s.base);
    if (it == uids_.end()) continue;
    messages_.push_back(MessageInfo{it->second, std::move(s.base), std::move(s.filename), s.size,
                                    s.vsize, std::move(s.flags)});
  }
  std::sort(messages_.begin(), messages_.end(),
            [](const MessageInfo& a, const MessageInfo& b) { return a.uid < b.uid; });
  // The same base in new/ and cur/ at once (a crash between link and unlink): keep one.
  messages_.erase(std::unique(messages_.begin(), messages_.end(),
                              [](const MessageInfo& a, const MessageInfo& b) { return a.uid == b.uid; }),
                  messages_.end());
  uidlist_dead_ = uids_.size() > messages_.size() ? uids_.size() - messages_.size() : 0;
}

// The whole refresh runs under the exclusive folder lock: renames by other sessions (shared
// lock) cannot hide an entry from readdir(), and UID assignment is serialised.
Status MailboxIndex::refresh() {
  auto lock = FolderLock::take(folder_, LOCK_EX);
  if (!lock) return std::unexpected(lock.error());
  if (seen_settled_) {
    auto now = current_stamp(folder_);
    if (now && *now == seen_) return {};
  }
  time_t start = ::time(nullptr);
  auto stamp = dirs_stamp(folder_);
  if (!stamp) return std::unexpected(stamp.error());
  if (auto s = scan_and_assign(); !s) return s;
  ++generation_;
  if (auto s = add_uidlist_stamp(folder_, *stamp); !s) return s;
  seen_ = *stamp;
  seen_settled_ = settled(*stamp, start);
  // Only a settled scan is worth saving; a failure just means the next open scans again.
  if (seen_settled_) (void)save_index_cache(folder_, uid_validity_, uid_next_, seen_, messages_);
  return {};
}

Status MailboxIndex::scan_and_assign() {
  if (auto s = read_uidlist(false); !s) return s;
  uint32_t bound = uid_next_;
  auto all = scan();
  if (!all) return std::unexpected(all.error());
  std::vector<Scanned> fresh;
  for (auto& s : *all)
    if (!uids_.count(s.base)) fresh.push_back(s);
  if (auto s = read_uidlist(false); !s) return s;
  if (auto s = assign(fresh); !s) return s;
  rebuild(*all);
  if (uidlist_dead_ > 1000 && uidlist_dead_ > messages_.size()) {
    // Drop lines of vanished messages; keep everything assigned after our scan started.
    std::unordered_map<std::string, uint32_t> keep;
    for (auto& m : messages_) keep[m.base] = m.uid;
    for (auto& [b, u] : uids_)
      if (u >= bound) keep[b] = u;
    uids_.swap(keep);
    if (auto s = rewrite_uidlist_locked(); !s) return s;
    uidlist_dead_ = 0;
  }
  return {};
}

Status MailboxIndex::assign(std::vector<Scanned>& fresh) {
  std::sort(fresh.begin(), fresh.end(), [](const Scanned& a, const Scanned& b) {
    return a.base.size() != b.base.size() ? a.base < b.base : a.base < b.base;
  });
  std::string lines;
  for (auto& s : fresh) {
    if (uids_.count(s.base)) continue;  // another process assigned it meanwhile
    uint32_t uid = uid_next_++;
    uids_[s.base] = uid;
    lines += std::to_string(uid) + " " + s.base + "\n";
  }
  if (lines.empty()) return {};
  auto fd = open_fd(folder_ + kUidlist, O_WRONLY | O_APPEND);
  if (!fd) return std::unexpected(fd.error());
  if (auto s = write_all(fd->get(), lines); !s) return s;
  if (::fdatasync(fd->get()) != 0) return fail_sys("unable to sync " + folder_ + kUidlist);
  uidlist_offset_ += lines.size();
  return {};
}

Status MailboxIndex::rewrite_uidlist_locked() {
  std::vector<std::pair<uint32_t, const std::string*>> v;
  v.reserve(uids_.size());
  for (auto& [b, u] : uids_) v.emplace_back(u, &b);
  std::sort(v.begin(), v.end());
  std::string out = "posta-uidlist 1 " + std::to_string(uid_validity_) + " " + std::to_string(uid_next_) + "\n";
  for (auto& [u, b] : v) out += std::to_string(u) + " " + *b + "\n";
  if (auto s = write_file_atomic(folder_ + kUidlist, out, 0600); !s) return s;
  struct stat st{};
  if (::stat((folder_ + kUidlist).c_str(), &st) == 0) uidlist_ino_ = st.st_ino;
  uidlist_offset_ = out.size();
  return {};
}

const MessageInfo* MailboxIndex::find(uint32_t uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                             [](const MessageInfo& m, uint32_t u) { return m.uid < u; });
  return it != messages_.end() && it->uid == uid ? &*it : nullptr;
}

MessageInfo* MailboxIndex::find_mut(uint32_t uid) { return const_cast<MessageInfo*>(find(uid)); }

std::string uidl(const MailboxIndex& index, const MessageInfo& m) {
  return std::to_string(index.uid_validity()) + "." + std::to_string(m.uid);
}

}  // namespace posta::mailstore
