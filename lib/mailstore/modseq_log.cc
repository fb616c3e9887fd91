#include "mailstore/modseq_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "io/fd.h"
#include "mailstore/mailbox_index.h"
#include "mailstore/names.h"

namespace posta::mailstore {
namespace {

constexpr const char* kFile = "/posta-modseq";
constexpr const char* kLock = "/posta-modseq.lock";

void put_line(std::string& out, uint64_t modseq, uint32_t uid, bool expunged, uint64_t flags) {
  out += std::to_string(modseq);
  out += ' ';
  out += std::to_string(uid);
  out += ' ';
  if (expunged) out += '!';
  else if (flags == 0) out += '-';
  else out += flag_letters(flags);
  out += '\n';
}

}  // namespace

std::string ModseqLog::path() const { return folder_ + kFile; }

Result<FolderLock> ModseqLog::lock() const { return FolderLock::take(folder_ + kLock, LOCK_EX); }

void ModseqLog::reset() {
  live_.clear();
  expunged_.clear();
  floor_ = 0;
  offset_ = 0;
  lines_ = 0;
  stale_ = true;
}

void ModseqLog::apply(uint64_t modseq, uint32_t uid, bool expunged, uint64_t flags) {
  highest_ = std::max(highest_, modseq);
  ++lines_;
  if (expunged) {
    live_.erase(uid);
    expunged_.emplace_back(modseq, uid);
  } else {
    live_[uid] = ModseqEntry{modseq, flags};
  }
}

Status ModseqLog::read(uint32_t uid_validity) {
  auto fd = open_fd(path(), O_RDONLY);
  if (!fd) {
    if (fd.error().code != ENOENT) return std::unexpected(fd.error());
    reset();
    ino_ = 0;
    return {};
  }
  struct stat st{};
  if (::fstat(fd->get(), &st) != 0) return fail_sys("unable to stat " + path());
  auto size = static_cast<uint64_t>(st.st_size);
  if (st.st_ino != ino_ || size < offset_) {
    reset();
    ino_ = st.st_ino;
  }
  if (size == offset_) return {};
  std::string data(static_cast<size_t>(size - offset_), '\0');
  ssize_t n = ::pread(fd->get(), data.data(), data.size(), static_cast<off_t>(offset_));
  if (n < 0) return fail_sys("unable to read " + path());
  data.resize(static_cast<size_t>(n));
  size_t pos = 0;
  if (offset_ == 0) {
    size_t nl = data.find('\n');
    if (nl == std::string::npos) return {};  // header not complete yet
    auto parts = split_words(std::string_view(data).substr(0, nl));
    uint64_t v = 0, fl = 0, hi = 0;
    bool good = parts.size() == 5 && parts[0] == "posta-modseq" && parts[1] == "1" &&
                parse_u64(parts[2], v) && parse_u64(parts[3], fl) && parse_u64(parts[4], hi);
    highest_ = std::max(highest_, good ? hi : 0);
    if (!good || v != uid_validity) {
      offset_ = size;  // unusable: ignored until an append replaces it
      return {};
    }
    floor_ = fl;
    stale_ = false;
    pos = nl + 1;
  }
  if (stale_) {
    offset_ = size;
    return {};
  }
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // a line being written: taken in next time
    auto parts = split_words(std::string_view(data).substr(pos, nl - pos));
    pos = nl + 1;
    uint64_t modseq = 0, uid = 0;
    if (parts.size() != 3 || !parse_u64(parts[0], modseq) || !parse_u64(parts[1], uid) || uid == 0 ||
        uid > 0xffffffffu || modseq == 0)
      continue;  // a damaged line: the next refresh gives the message a new modseq
    bool expunged = parts[2] == "!";
    uint64_t flags = expunged || parts[2] == "-" ? 0 : flag_bits(parts[2]);
    apply(modseq, static_cast<uint32_t>(uid), expunged, flags);
  }
  offset_ += pos;
  return {};
}

std::vector<uint32_t> ModseqLog::expunged_since(uint64_t since) const {
  std::vector<uint32_t> out;
  auto it = std::upper_bound(expunged_.begin(), expunged_.end(), std::make_pair(since, UINT32_MAX));
  for (; it != expunged_.end(); ++it)
    if (!live_.contains(it->second)) out.push_back(it->second);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status ModseqLog::rewrite(uint32_t uid_validity, uint64_t floor, const std::string& body) {
  std::string out = "posta-modseq 1 " + std::to_string(uid_validity) + " " + std::to_string(floor) + " " +
                    std::to_string(highest_) + "\n" + body;
  if (auto s = write_file_atomic(path(), out, 0600); !s) return s;
  struct stat st{};
  if (::stat(path().c_str(), &st) != 0) return fail_sys("unable to stat " + path());
  ino_ = st.st_ino;
  offset_ = out.size();
  floor_ = floor;
  stale_ = false;
  return {};
}

Result<uint64_t> ModseqLog::append(uint32_t uid_validity, const std::vector<Change>& changes) {
  std::vector<bool> wanted;
  for (auto& c : changes) wanted.push_back(!c.expunged || live_.contains(c.uid));
  if (std::find(wanted.begin(), wanted.end(), true) == wanted.end()) return highest_;
  if (stale_) {
    // No file of this UIDVALIDITY (live_ is empty): start one, above any modseq an earlier
    // file (deleted, or of an earlier UIDVALIDITY) gave out unless that averaged over 2^20
    // changes a second. Nothing is known of expunges before now: the floor is here.
    highest_ = std::max<uint64_t>(highest_, static_cast<uint64_t>(::time(nullptr)) << 20);
    if (auto s = rewrite(uid_validity, highest_, ""); !s) return std::unexpected(s.error());
  }
  const uint64_t before = highest_;
  std::string lines;
  uint64_t next = before;
  for (size_t i = 0; i < changes.size(); ++i)
    if (wanted[i]) put_line(lines, ++next, changes[i].uid, changes[i].expunged, changes[i].flags);
  auto fd = open_fd(path(), O_WRONLY | O_APPEND);
  if (!fd) return std::unexpected(fd.error());
  // Not synced, like the flag renames it records: after a crash, refresh() gives any message
  // whose flags differ from its last line a new modseq.
  if (auto s = write_all(fd->get(), lines); !s) return std::unexpected(s.error());
  offset_ += lines.size();
  next = before;
  for (size_t i = 0; i < changes.size(); ++i)
    if (wanted[i]) apply(++next, changes[i].uid, changes[i].expunged, changes[i].flags);
  return before;
}

Status ModseqLog::compact_if_worth(uint32_t uid_validity) {
  if (stale_ || lines_ <= 2 * live_.size() + 1000) return {};
  std::vector<std::pair<uint32_t, ModseqEntry>> v(live_.begin(), live_.end());
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second.modseq < b.second.modseq; });
  std::string body;
  body.reserve(v.size() * 24);
  for (auto& [uid, e] : v) put_line(body, e.modseq, uid, false, e.flags);
  uint64_t floor = floor_;
  for (auto& [m, u] : expunged_) floor = std::max(floor, m);
  if (auto s = rewrite(uid_validity, floor, body); !s) return s;
  expunged_.clear();
  lines_ = live_.size();
  return {};
}

}  // namespace posta::mailstore
