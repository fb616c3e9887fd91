#include "pop3_mailbox.h"

#include <fcntl.h>

#include "io/fd.h"
#include "log/log.h"

namespace posta::pop3 {
namespace {

// CRLF size of a stored message: every LF not preceded by CR gains one octet, and a last
// line without LF gets a CRLF.
uint64_t crlf_octets(const std::string& data) {
  uint64_t n = 0;
  char prev = '\n';
  for (char c : data) {
    if (c == '\n' && prev != '\r') ++n;
    ++n;
    prev = c;
  }
  if (!data.empty() && data.back() != '\n') n += 2;
  return n;
}

}  // namespace

Result<Maildrop> Maildrop::open(const std::string& maildir) {
  auto idx = mailstore::MailboxIndex::open(maildir);
  if (!idx) return std::unexpected(idx.error());
  Maildrop m(std::move(*idx));
  for (const auto& info : m.index_.messages()) {
    Entry e{info, info.vsize, false};
    if (e.octets == 0) {
      auto data = read_file(m.index_.path(info), 1ull << 31);
      if (!data) continue;  // expunged meanwhile by another client
      e.octets = crlf_octets(*data);
    }
    m.entries_.push_back(std::move(e));
  }
  return m;
}

Result<std::string> Maildrop::render(const Entry& e, long body_lines) {
  auto data = read_file(index_.path(e.info), 1ull << 31);
  if (!data) {
    // A flag change by another client renames the file: rescan once and retry.
    if (auto r = index_.refresh(); !r) return std::unexpected(r.error());
    auto* fresh = index_.find(e.info.uid);
    if (!fresh) return fail("message was removed by another session", ENOENT);
    data = read_file(index_.path(*fresh), 1ull << 31);
    if (!data) return std::unexpected(data.error());
  }
  std::string out;
  out.reserve(data->size() + data->size() / 32 + 8);
  bool in_body = false;
  long body_seen = 0;
  size_t pos = 0;
  while (pos < data->size()) {
    size_t nl = data->find('\n', pos);
    size_t end = nl == std::string::npos ? data->size() : nl;
    std::string_view line(data->data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (in_body && body_lines >= 0 && body_seen++ >= body_lines) break;
    if (!line.empty() && line[0] == '.') out += '.';
    out.append(line).append("\r\n");
    if (!in_body && line.empty()) in_body = true;
    pos = nl == std::string::npos ? data->size() : nl + 1;
  }
  out += ".\r\n";
  return out;
}

void Maildrop::mark_retrieved(Entry& e) {
  if (!e.info.in_new()) return;
  if (auto r = index_.claim_new(e.info.uid); !r) log::warning("unable to move message to cur/: ", r.error().what);
  if (auto* fresh = index_.find(e.info.uid)) e.info = *fresh;
}

size_t Maildrop::commit_deletions() {
  size_t failed = 0;
  for (auto& e : entries_) {
    if (!e.deleted) continue;
    if (auto r = index_.remove(e.info.uid); !r) {
      log::warning("unable to remove uid ", e.info.uid, ": ", r.error().what);
      ++failed;
    }
  }
  return failed;
}

}  // namespace posta::pop3
