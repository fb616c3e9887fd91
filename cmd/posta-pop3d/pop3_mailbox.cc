#include "pop3_mailbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "pop3_sizes.h"
#include "retention/hold.h"

namespace posta::pop3 {
namespace {

constexpr size_t kMaxMessage = size_t{1} << 31;
constexpr uint64_t kFirstRead = 1 << 20;

// CRLF size of a stored message (what render() sends before dot-stuffing): every LF not
// preceded by CR gains one octet, and a last line without LF gets a CRLF (replacing its CR).
uint64_t crlf_octets(std::string_view data) {
  uint64_t n = data.size();
  for (size_t nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n', nl + 1))
    if (nl == 0 || data[nl - 1] != '\r') ++n;
  if (!data.empty() && data.back() != '\n') n += data.back() == '\r' ? 1 : 2;
  return n;
}

}  // namespace

Result<Maildrop> Maildrop::open(const std::string& maildir) {
  auto idx = mailstore::MailboxIndex::open(maildir);
  if (!idx) return std::unexpected(idx.error());
  Maildrop m(std::move(*idx));
  auto sizes = SizeCache::load(maildir);
  m.entries_.reserve(m.index_.messages().size());
  for (const auto& info : m.index_.messages()) {
    Entry e{info, info.vsize, false, false};
    if (e.octets == 0) {
      std::string base(m.index_.base(info));
      e.octets = sizes.find(base, info.size);
      if (e.octets == 0) {
        if (!m.read_message(e)) continue;  // expunged meanwhile by another client
        e.octets = crlf_octets(m.file_);
        sizes.put(base, info.size, e.octets);
      }
    }
    m.entries_.push_back(std::move(e));
  }
  sizes.save();
  return m;
}

// The whole file into file_: one read(2) when the size on disk is known.
Status Maildrop::read_message(const Entry& e) {
  auto fd = open_fd(index_.path(e.info), O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  file_.clear();
  // The size comes from the file name: a bogus ",S=" must not make us allocate it.
  size_t chunk = static_cast<size_t>(std::clamp<uint64_t>(e.info.size + 1, 4096, kFirstRead));
  for (;;) {
    size_t have = file_.size();
    if (have >= kMaxMessage) return fail("message too large", EFBIG);
    ssize_t got = 0;
    int err = 0;
    file_.resize_and_overwrite(have + chunk, [&](char* p, size_t n) {
      got = ::read(fd->get(), p + have, n - have);
      err = errno;
      return have + static_cast<size_t>(std::max<ssize_t>(got, 0));
    });
    if (got == 0) return {};
    if (got < 0 && err != EINTR) return fail("unable to read " + index_.path(e.info), err);
    // Short at exactly the size on disk: the end (maildir files never change), without
    // the read(2) that would return 0.
    if (got > 0 && static_cast<size_t>(got) < chunk && file_.size() == e.info.size) return {};
    chunk = std::max(chunk, file_.size());
  }
}

Status Maildrop::render(Entry& e, long body_lines, std::string& out) {
  if (!read_message(e)) {
    // A flag change by another client renames the file: rescan once and retry.
    if (auto r = index_.refresh(); !r) return r;
    auto* fresh = index_.find(e.info.uid);
    if (!fresh) return fail("message was removed by another session", ENOENT);
    e.info = *fresh;
    if (auto r = read_message(e); !r) return r;
  }
  std::string_view data(file_);
  out.reserve(out.size() + data.size() + data.size() / 16 + 8);
  bool in_body = false;
  long body_seen = 0;
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (in_body && body_lines >= 0 && body_seen++ >= body_lines) break;
    if (!line.empty() && line[0] == '.') out += '.';
    out.append(line).append("\r\n");
    if (!in_body && line.empty()) in_body = true;
  }
  out += ".\r\n";
  return {};
}

size_t Maildrop::commit_deletions(const std::string& held_for) {
  size_t failed = 0;
  for (auto& e : entries_) {
    if (!e.deleted) continue;
    const auto* mi = held_for.empty() ? nullptr : index_.find(e.info.uid);
    if (mi)
      if (auto k = retention::keep_copy(posta_home(), held_for, index_.path(*mi)); !k) {
        log::warning("legal hold of ", held_for, ": uid ", e.info.uid, " kept in place: ", k.error().what);
        ++failed;
        continue;
      }
    if (auto r = index_.remove(e.info.uid); !r) {
      log::warning("unable to remove uid ", e.info.uid, ": ", r.error().what);
      ++failed;
    }
  }
  return failed;
}

void Maildrop::move_retrieved() {
  for (auto& e : entries_) {
    bool retrieved = std::exchange(e.retrieved, false);
    if (!retrieved || !e.info.in_new() || !index_.find(e.info.uid)) continue;
    if (auto r = index_.claim_new(e.info.uid); !r && r.error().code != ENOENT)
      log::warning("unable to move message to cur/: ", r.error().what);
  }
}

}  // namespace posta::pop3
