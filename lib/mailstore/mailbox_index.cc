#include "mailstore/mailbox_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "io/fd.h"
#include "mailstore/folder_lock.h"
#include "mailstore/index_cache.h"
#include "mailstore/modseq_log.h"
#include "mailstore/names.h"

namespace posta::mailstore {
namespace {

constexpr const char* kUidlist = "/posta-uidlist";
constexpr const char* kLock = "/posta-uidlist.lock";

struct timespec dir_mtime(const std::string& d) {
  struct stat st{};
  if (::stat(d.c_str(), &st) != 0) return {};
  return st.st_mtim;
}

bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// A UIDVALIDITY no folder of this Maildir had before: the time, or one more than the last one
// given out (posta-uidvalidity in the Maildir), so that a folder deleted and created again
// within the same second still gets a new one (RFC 3501 2.3.1.1). The Maildir is the folder
// itself (INBOX) or its parent (a Maildir++ ".Folder").
uint32_t fresh_uid_validity(const std::string& folder) {
  auto now = static_cast<uint32_t>(::time(nullptr));
  auto slash = folder.find_last_not_of('/');
  slash = slash == std::string::npos ? std::string::npos : folder.rfind('/', slash);
  bool sub = slash != std::string::npos && folder.compare(slash + 1, 1, ".") == 0;
  auto fd = open_fd((sub ? folder.substr(0, slash) : folder) + "/posta-uidvalidity", O_RDWR | O_CREAT, 0600);
  if (!fd) return now;
  while (::flock(fd->get(), LOCK_EX) != 0)
    if (errno != EINTR) return now;
  char buf[16] = {};
  ssize_t n = ::pread(fd->get(), buf, sizeof buf - 1, 0);
  uint64_t last = 0;
  std::string_view text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (!parse_u64(text, last) || last >= 0xffffffffu) last = 0;
  auto v = static_cast<uint32_t>(std::max<uint64_t>(now, last + 1));  // last < 2^32 - 1
  std::string line = std::to_string(v);
  line.resize(11, ' ');
  line += '\n';
  (void)!::pwrite(fd->get(), line.data(), line.size(), 0);
  return v;
}

}  // namespace

MailboxIndex::MailboxIndex(MailboxIndex&&) noexcept = default;
MailboxIndex& MailboxIndex::operator=(MailboxIndex&&) noexcept = default;
MailboxIndex::~MailboxIndex() = default;

Result<MailboxIndex> MailboxIndex::open(const std::string& folder) {
  MailboxIndex ix;
  ix.folder_ = folder;
  struct stat st{};
  if (::stat((folder + "/cur").c_str(), &st) != 0) return fail_sys("unable to open " + folder);
  if (::access((folder + kUidlist).c_str(), F_OK) != 0) {
    auto lock = FolderLock::take(folder + kLock);
    if (!lock) return std::unexpected(lock.error());
    if (::access((folder + kUidlist).c_str(), F_OK) != 0) {
      std::string header = "posta-uidlist 1 " + std::to_string(fresh_uid_validity(folder)) + " 1\n";
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
  highest_modseq_ = snap->highest_modseq;
  cache_ = std::move(snap->file);
  cache_records_ = snap->records;
  cache_names_ = snap->names;
  mapped_ = true;
  seen_ = snap->stamp;
  seen_settled_ = true;
  uidlist_ino_ = 0;  // uids_ is not loaded: the next read_uidlist() starts from the beginning
  ++generation_;
  return true;
}

std::span<const MessageInfo> MailboxIndex::messages() const {
  return mapped_ ? cache_records_ : std::span<const MessageInfo>(owned_);
}

std::string_view MailboxIndex::area(uint8_t which) const {
  if (which == 1) return added_names_;
  return cache_ ? cache_names_ : std::string_view(scan_names_);
}

std::string_view MailboxIndex::filename(const MessageInfo& m) const {
  auto all = messages();
  const MessageInfo* cur = &m;
  if (!(std::less_equal<>{}(all.data(), cur) && std::less<>{}(cur, all.data() + all.size())))
    cur = find(m.uid);  // a copy: maybe from before a refresh or a change
  if (!cur) return {};
  return area(cur->name_area).substr(cur->name_off, cur->name_len);
}

std::string_view MailboxIndex::base(const MessageInfo& m) const {
  std::string_view f = filename(m);
  return f.empty() ? f : f.substr(4, m.base_len);
}

std::string MailboxIndex::path(const MessageInfo& m) const {
  std::string_view f = filename(m);
  if (f.empty()) return {};
  std::string p;
  p.reserve(folder_.size() + 1 + f.size());
  p += folder_;
  p += '/';
  p += f;
  return p;
}

std::vector<MessageInfo>& MailboxIndex::own_records() {
  if (mapped_) {
    owned_.assign(cache_records_.begin(), cache_records_.end());
    mapped_ = false;
    cache_records_ = {};
  }
  return owned_;
}

void MailboxIndex::set_name(MessageInfo& m, std::string_view name, size_t base_len) {
  m.name_area = 1;
  m.name_off = static_cast<uint32_t>(added_names_.size());
  m.name_len = static_cast<uint16_t>(name.size());
  m.base_len = static_cast<uint16_t>(base_len);
  m.new_dir = name.starts_with("new/") ? 1 : 0;
  added_names_ += name;
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

Result<MailboxIndex::Scan> MailboxIndex::scan() const {
  for (int attempt = 0;; ++attempt) {
    Scan out;
    auto before = dir_mtime(folder_ + "/cur");
    for (const char* sub : {"new", "cur"}) {
      std::string dir = folder_ + "/" + sub;
      DIR* d = ::opendir(dir.c_str());
      if (!d) return fail_sys("unable to open " + dir);
      while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name[0] == '.' || name[0] == ':' || name.size() > 4000) continue;
        NameFields nf = parse_name_fields(name);
        MessageInfo m;
        m.name_off = static_cast<uint32_t>(out.names.size());
        m.name_len = static_cast<uint16_t>(4 + name.size());
        m.base_len = static_cast<uint16_t>(nf.base_len);
        m.new_dir = sub[0] == 'n';
        m.flags_set = nf.flags_set;
        m.size = nf.size;
        m.vsize = nf.vsize;
        out.names.append(sub).append("/").append(name);
        if (!nf.has_size) {
          struct stat st{};
          if (::stat((folder_ + "/" + sub + "/" + e->d_name).c_str(), &st) != 0) {
            out.names.resize(m.name_off);
            continue;  // vanished
          }
          m.size = static_cast<uint64_t>(st.st_size);
        }
        out.found.push_back(m);
      }
      ::closedir(d);
    }
    // A rename inside cur/ during readdir may hide an entry: scan again while cur/ changes.
    if (same_time(before, dir_mtime(folder_ + "/cur")) || attempt >= 3) return out;
  }
}

void MailboxIndex::rebuild(Scan& scan) {
  owned_.clear();
  owned_.reserve(scan.found.size());
  for (MessageInfo m : scan.found) {
    auto it = uids_.find(std::string_view(scan.names).substr(m.name_off + 4, m.base_len));
    if (it == uids_.end()) continue;
    m.uid = it->second;
    owned_.push_back(m);
  }
  std::sort(owned_.begin(), owned_.end(),
            [](const MessageInfo& a, const MessageInfo& b) { return a.uid < b.uid; });
  // The same base in new/ and cur/ at once (a crash between link and unlink): keep one.
  owned_.erase(std::unique(owned_.begin(), owned_.end(),
                           [](const MessageInfo& a, const MessageInfo& b) { return a.uid == b.uid; }),
               owned_.end());
  mapped_ = false;
  cache_.reset();
  cache_records_ = {};
  cache_names_ = {};
  scan_names_ = std::move(scan.names);
  added_names_.clear();
  uidlist_dead_ = uids_.size() > owned_.size() ? uids_.size() - owned_.size() : 0;
}

// The whole refresh runs under the exclusive folder lock: renames by other sessions (shared
// lock) cannot hide an entry from readdir(), and UID assignment is serialised.
Status MailboxIndex::refresh() {
  auto lock = FolderLock::take(folder_ + kLock, LOCK_EX);
  if (!lock) return std::unexpected(lock.error());
  if (keywords_file_id() != keywords_id_)
    if (auto s = load_keywords(); !s) return s;
  if (seen_settled_) {
    auto now = current_stamp(folder_);
    if (now && *now == seen_) return {};
  }
  time_t start = ::time(nullptr);
  auto stamp = dirs_stamp(folder_);
  if (!stamp) return std::unexpected(stamp.error());
  if (auto s = scan_and_assign(); !s) return s;
  if (auto s = settle_modseqs(); !s) return s;
  // Again after the scan: a new keyword is written before the rename that first gives a
  // message its letter, so a scan that saw the letter finds the keyword here.
  if (keywords_file_id() != keywords_id_)
    if (auto s = load_keywords(); !s) return s;
  ++generation_;
  if (auto s = add_uidlist_stamp(folder_, *stamp); !s) return s;
  seen_ = *stamp;
  seen_settled_ = settled(*stamp, start);
  // Only a settled scan is worth saving; a failure just means the next open scans again.
  if (seen_settled_) (void)save_index_cache(folder_, *this, seen_);
  return {};
}

Status MailboxIndex::scan_and_assign() {
  if (auto s = read_uidlist(false); !s) return s;
  uint32_t bound = uid_next_;
  auto all = scan();
  if (!all) return std::unexpected(all.error());
  if (auto s = read_uidlist(false); !s) return s;
  std::vector<std::string_view> fresh;
  for (auto& m : all->found) {
    std::string_view b = std::string_view(all->names).substr(m.name_off + 4, m.base_len);
    if (!uids_.contains(b)) fresh.push_back(b);
  }
  if (auto s = assign(fresh); !s) return s;
  rebuild(*all);
  if (uidlist_dead_ > 1000 && uidlist_dead_ > owned_.size()) {
    // Drop lines of vanished messages; keep everything assigned after our scan started.
    decltype(uids_) keep;
    for (auto& m : owned_) keep.emplace(std::string(base(m)), m.uid);
    for (auto& [b, u] : uids_)
      if (u >= bound) keep.emplace(b, u);
    uids_.swap(keep);
    if (auto s = rewrite_uidlist_locked(); !s) return s;
    uidlist_dead_ = 0;
  }
  return {};
}

Status MailboxIndex::assign(const std::vector<std::string_view>& fresh) {
  std::vector<std::string_view> sorted(fresh);
  std::sort(sorted.begin(), sorted.end());
  std::string lines;
  for (std::string_view b : sorted) {
    if (uids_.contains(b)) continue;  // another process assigned it meanwhile, or a duplicate
    uint32_t uid = uid_next_++;
    uids_.emplace(std::string(b), uid);
    lines += std::to_string(uid);
    lines += ' ';
    lines += b;
    lines += '\n';
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
  auto all = messages();
  auto it = std::lower_bound(all.begin(), all.end(), uid,
                             [](const MessageInfo& m, uint32_t u) { return m.uid < u; });
  return it != all.end() && it->uid == uid ? &*it : nullptr;
}

MessageInfo* MailboxIndex::find_mut(uint32_t uid) {
  auto& all = own_records();
  auto it = std::lower_bound(all.begin(), all.end(), uid,
                             [](const MessageInfo& m, uint32_t u) { return m.uid < u; });
  return it != all.end() && it->uid == uid ? &*it : nullptr;
}

ModseqLog& MailboxIndex::modseq_log() {
  if (!modseq_log_) modseq_log_ = std::make_unique<ModseqLog>(folder_);
  return *modseq_log_;
}

Status MailboxIndex::settle_modseqs() {
  auto& log = modseq_log();
  auto lock = log.lock();
  if (!lock) return std::unexpected(lock.error());
  if (auto s = log.read(uid_validity_); !s) return s;
  std::vector<ModseqChange> changes;
  size_t logged = 0;  // messages with a live entry
  for (auto& m : owned_) {
    const ModseqEntry* e = log.find(m.uid);
    logged += e != nullptr;
    if (e && e->flags == m.flags_set) m.modseq = e->modseq;
    else changes.push_back({m.uid, m.flags_set, false});
  }
  if (log.live().size() > logged)
    for (auto& [uid, e] : log.live())
      if (!find(uid)) changes.push_back({uid, 0, true});
  // Expunges last: the new modseqs of the messages still here are highest() + 1 onwards.
  std::stable_partition(changes.begin(), changes.end(), [](auto& c) { return !c.expunged; });
  auto base = log.append(uid_validity_, changes);
  if (!base) return std::unexpected(base.error());
  uint64_t next = *base;
  for (auto& c : changes)
    if (!c.expunged) find_mut(c.uid)->modseq = ++next;
  highest_modseq_ = log.highest();
  return log.compact_if_worth(uid_validity_);
}

Result<uint64_t> MailboxIndex::log_changes(const std::vector<ModseqChange>& changes) {
  auto& log = modseq_log();
  auto lock = log.lock();
  if (!lock) return std::unexpected(lock.error());
  if (auto s = log.read(uid_validity_); !s) return std::unexpected(s.error());
  if (auto s = log.append(uid_validity_, changes); !s) return std::unexpected(s.error());
  highest_modseq_ = log.highest();
  return highest_modseq_;  // the modseq of the last change recorded
}

Result<std::vector<uint32_t>> MailboxIndex::expunged_since(uint64_t since, bool& complete) {
  auto& log = modseq_log();
  if (auto s = log.read(uid_validity_); !s) return std::unexpected(s.error());
  complete = since >= log.floor();
  return log.expunged_since(since);
}

std::string uidl(const MailboxIndex& index, const MessageInfo& m) {
  return std::to_string(index.uid_validity()) + "." + std::to_string(m.uid);
}

}  // namespace posta::mailstore
