// Changes to a folder: flag renames, new/ -> cur/, removal, new messages, keywords.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "base/strings.h"
#include "io/fd.h"
#include "maildir/maildir.h"
#include "mailstore/folder_lock.h"
#include "mailstore/mailbox_index.h"
#include "mailstore/modseq_log.h"
#include "mailstore/names.h"

namespace posta::mailstore {
namespace {

constexpr const char* kKeywords = "/posta-keywords";

uint64_t crlf_size(std::string_view data) {
  uint64_t n = data.size();
  for (size_t i = 0; i < data.size(); ++i)
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) ++n;
  return n;
}

Status lock_fd(int fd, int mode = LOCK_EX) {
  while (::flock(fd, mode) != 0)
    if (errno != EINTR) return fail_sys("unable to lock");
  return {};
}

}  // namespace

// The rename and its modseq line under a shared lock on the folder lock file: renames run
// in parallel, but never while refresh() scans the directories (exclusive lock), so a scan
// sees every message, and never sees a posta rename without its modseq.
Result<std::string> MailboxIndex::update_flags(
    uint32_t uid, const std::function<std::string(const std::string&)>& change,
    std::optional<uint64_t> unchanged_since) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    {
      MessageInfo* m = find_mut(uid);
      if (!m) return fail("message vanished", ENOENT);
      auto shared = FolderLock::take(folder_ + "/posta-uidlist.lock", LOCK_SH);
      if (!shared) return std::unexpected(shared.error());
      // The modseq lock from the UNCHANGEDSINCE test to the new modseq: no other change between.
      auto& log = modseq_log();
      auto lock = log.lock();
      if (!lock) return std::unexpected(lock.error());
      if (auto s = log.read(uid_validity_); !s) return std::unexpected(s.error());
      if (unchanged_since) {
        const ModseqEntry* e = log.find(uid);  // another session may have changed it
        if ((e ? e->modseq : m->modseq) > *unchanged_since) return fail("modified since", EEXIST);
      }
      std::string letters = normalize_letters(change(m->flags()));
      std::string target = "cur/" + cur_name(base(*m), letters);
      std::string from = path(*m);
      if (target == filename(*m)) return letters;
      if (::rename(from.c_str(), (folder_ + "/" + target).c_str()) == 0) {
        set_name(*m, target, m->base_len);
        m->flags_set = flag_bits(letters);
        ++generation_;
        auto before = log.append(uid_validity_, {{uid, m->flags_set, false}});
        if (!before) return std::unexpected(before.error());
        m->modseq = *before + 1;
        highest_modseq_ = log.highest();
        return letters;
      }
      if (errno != ENOENT) return fail_sys("unable to rename " + from);
    }  // the locks go before the rescan takes the exclusive one
    if (auto s = refresh(); !s) return std::unexpected(s.error());
  }
  return fail("message keeps changing under us", EAGAIN);
}

Result<bool> MailboxIndex::claim_new(uint32_t uid) {
  MessageInfo* m = find_mut(uid);
  if (!m) return fail("message vanished", ENOENT);
  if (!m->in_new()) return false;
  std::string target = "cur/" + cur_name(base(*m), m->flags());
  std::string from = path(*m);
  int rc = 0;
  {
    auto shared = FolderLock::take(folder_ + "/posta-uidlist.lock", LOCK_SH);
    rc = ::rename(from.c_str(), (folder_ + "/" + target).c_str());  // no lock: a scan may retry
  }
  if (rc == 0) {
    set_name(*m, target, m->base_len);
    ++generation_;
    return true;
  }
  if (errno != ENOENT) return fail_sys("unable to rename " + from);
  if (auto s = refresh(); !s) return std::unexpected(s.error());
  return false;
}

Status MailboxIndex::remove(uint32_t uid) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const MessageInfo* m = find_mut(uid);
    if (!m) return {};
    std::string p = path(*m);
    if (::unlink(p.c_str()) == 0) {
      owned_.erase(owned_.begin() + (m - owned_.data()));
      ++generation_;
      if (auto ms = log_changes({{uid, 0, true}}); !ms) return std::unexpected(ms.error());
      return {};
    }
    if (errno != ENOENT) return fail_sys("unable to remove " + p);
    if (auto s = refresh(); !s) return s;  // renamed by a flag change elsewhere, or gone
  }
  return fail("message keeps changing under us", EAGAIN);
}

namespace {
// Writes data to tmp/<unique>, fsyncs, sets the mtime; returns the tmp path.
Result<std::string> write_tmp(const std::string& folder, const std::string& unique,
                              std::string_view data, time_t mtime) {
  std::string tmp = folder + "/tmp/" + unique;
  auto fd = open_fd(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!fd) return std::unexpected(fd.error());
  auto s = write_all(fd->get(), data);
  if (s && ::fsync(fd->get()) != 0) s = fail_sys("unable to sync " + tmp);
  if (s && mtime > 0) {
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    (void)::futimens(fd->get(), ts);
  }
  if (!s) {
    ::unlink(tmp.c_str());
    return std::unexpected(s.error());
  }
  return tmp;
}
}  // namespace

Result<uint32_t> MailboxIndex::add(std::string_view data, std::string_view flags, time_t internaldate) {
  std::string base = maildir::unique_name() + ",S=" + std::to_string(data.size()) + ",W=" +
                     std::to_string(crlf_size(data));
  auto tmp = write_tmp(folder_, base, data, internaldate);
  if (!tmp) return std::unexpected(tmp.error());
  return add_file(*tmp, flags);
}

Result<uint32_t> MailboxIndex::add_file(const std::string& src, std::string_view flags) {
  // Files from tmp/ of this folder are renamed; others are hard-linked (or copied).
  std::string own_tmp = folder_ + "/tmp/";
  std::string src_name = src.substr(src.rfind('/') + 1);
  NameInfo ni = parse_file_name(src_name);
  std::string base;
  bool from_tmp = src.compare(0, own_tmp.size(), own_tmp) == 0;
  if (from_tmp) {
    base = ni.base;
  } else {
    struct stat st{};
    if (::stat(src.c_str(), &st) != 0) return fail_sys("unable to stat " + src);
    base = maildir::unique_name() + ",S=" + std::to_string(ni.has_size ? ni.size : st.st_size);
    if (ni.vsize) base += ",W=" + std::to_string(ni.vsize);
  }
  std::string letters = normalize_letters(flags);
  std::string target = "cur/" + cur_name(base, letters);
  auto lockfd = open_fd(folder_ + "/posta-uidlist.lock", O_RDWR | O_CREAT, 0600);
  if (!lockfd) return std::unexpected(lockfd.error());
  if (auto s = lock_fd(lockfd->get()); !s) return std::unexpected(s.error());
  if (auto s = read_uidlist(false); !s) return std::unexpected(s.error());
  int rc = from_tmp ? ::rename(src.c_str(), (folder_ + "/" + target).c_str())
                    : ::link(src.c_str(), (folder_ + "/" + target).c_str());
  if (rc != 0 && !from_tmp && (errno == EXDEV || errno == EPERM || errno == EMLINK)) {
    auto data = read_file(src, 1ull << 31);
    if (!data) return std::unexpected(data.error());
    struct stat st{};
    time_t mt = ::stat(src.c_str(), &st) == 0 ? st.st_mtime : 0;
    auto tmp = write_tmp(folder_, base, *data, mt);
    if (!tmp) return std::unexpected(tmp.error());
    rc = ::rename(tmp->c_str(), (folder_ + "/" + target).c_str());
  }
  if (rc != 0) return fail_sys("unable to store message in " + folder_);
  if (auto s = fsync_dir(folder_ + "/cur"); !s) return std::unexpected(s.error());
  if (auto s = assign({base}); !s) return std::unexpected(s.error());
  MessageInfo mi;
  mi.uid = uids_.find(std::string_view(base))->second;
  NameFields bf = parse_name_fields(base);
  mi.size = bf.size;
  mi.vsize = bf.vsize;
  mi.flags_set = flag_bits(letters);
  auto ms = log_changes({{mi.uid, mi.flags_set, false}});
  if (!ms) return std::unexpected(ms.error());
  mi.modseq = *ms;
  // Appended in UID order only if no unseen message sorts after it; refresh() fixes the rest.
  auto& all = own_records();
  if (all.empty() || all.back().uid < mi.uid) {
    set_name(mi, target, base.size());
    all.push_back(mi);
  }
  ++generation_;
  return mi.uid;
}

// posta-keywords is only ever replaced (temp + rename): a new inode is a new list.
uint64_t MailboxIndex::keywords_file_id() const {
  struct stat st{};
  return ::stat((folder_ + kKeywords).c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

Status MailboxIndex::load_keywords() {
  keywords_.clear();
  keywords_id_ = keywords_file_id();
  ++keywords_version_;
  auto content = read_file(folder_ + kKeywords, 1 << 16);
  if (!content) return {};  // no keywords yet
  size_t pos = 0;
  while (pos < content->size()) {
    size_t nl = content->find('\n', pos);
    if (nl == std::string::npos) break;
    std::string_view line(content->data() + pos, nl - pos);
    pos = nl + 1;
    if (line.size() < 3 || line[0] < 'a' || line[0] > 'z' || line[1] != ' ') continue;
    size_t i = static_cast<size_t>(line[0] - 'a');
    if (keywords_.size() <= i) keywords_.resize(i + 1);
    keywords_[i] = std::string(line.substr(2));
  }
  return {};
}

std::string MailboxIndex::keyword_of(char letter) const {
  if (letter < 'a' || letter > 'z') return "";
  size_t i = static_cast<size_t>(letter - 'a');
  return i < keywords_.size() ? keywords_[i] : "";
}

Result<char> MailboxIndex::letter_for(std::string_view keyword, bool allocate) {
  auto lookup = [&]() -> char {
    for (size_t i = 0; i < keywords_.size(); ++i)
      if (iequals(keywords_[i], keyword))
        return static_cast<char>('a' + i);
    return 0;
  };
  if (char c = lookup()) return c;
  if (!allocate) return fail("no such keyword", ENOENT);
  auto lockfd = open_fd(folder_ + "/posta-uidlist.lock", O_RDWR | O_CREAT, 0600);
  if (!lockfd) return std::unexpected(lockfd.error());
  if (auto s = lock_fd(lockfd->get()); !s) return std::unexpected(s.error());
  if (auto s = load_keywords(); !s) return std::unexpected(s.error());
  if (char c = lookup()) return c;
  size_t slot = keywords_.size();
  for (size_t i = 0; i < keywords_.size(); ++i)
    if (keywords_[i].empty()) { slot = i; break; }
  if (slot >= 26) return fail("too many keywords in this mailbox", ENOSPC);
  if (keywords_.size() <= slot) keywords_.resize(slot + 1);
  keywords_[slot] = std::string(keyword);
  std::string out;
  for (size_t i = 0; i < keywords_.size(); ++i)
    if (!keywords_[i].empty()) out += std::string(1, static_cast<char>('a' + i)) + " " + keywords_[i] + "\n";
  if (auto s = write_file_atomic(folder_ + kKeywords, out, 0600); !s) return std::unexpected(s.error());
  keywords_id_ = keywords_file_id();
  ++keywords_version_;
  return static_cast<char>('a' + slot);
}

}  // namespace posta::mailstore
