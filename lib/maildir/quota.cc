#include "maildir/quota.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "io/fd.h"
#include "maildir/maildir.h"
#include "maildir/reader.h"

namespace posta::maildir {

namespace {

constexpr size_t kMaxFileSize = 5120;  // Maildir++: recalculate past this size
constexpr time_t kOverQuotaRecheck = 15 * 60;

template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Adds the sizes of the messages in dir/new and dir/cur.
Status add_folder_usage(const std::string& dir, QuotaUsage& u) {
  auto msgs = list_messages(dir);
  if (!msgs) return std::unexpected(msgs.error());
  for (const auto& m : *msgs) {
    u.bytes += static_cast<int64_t>(m.size);
    u.messages += 1;
  }
  return {};
}

std::string usage_line(int64_t bytes, int64_t messages) {
  return std::to_string(bytes) + " " + std::to_string(messages) + "\n";
}

}  // namespace

Result<QuotaLimit> parse_quota_definition(std::string_view s) {
  QuotaLimit q;
  if (s.empty()) return q;
  bool seen_s = false, seen_c = false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string_view part = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
    if (part.size() < 2) return fail("malformed quota definition", EINVAL);
    char kind = part.back();
    uint64_t v = 0;
    if (!parse_number(part.substr(0, part.size() - 1), v)) return fail("malformed quota definition", EINVAL);
    if (kind == 'S' && !seen_s) { q.bytes = v; seen_s = true; }
    else if (kind == 'C' && !seen_c) { q.messages = v; seen_c = true; }
    else return fail("malformed quota definition", EINVAL);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return q;
}

std::string format_quota_definition(const QuotaLimit& q) {
  std::string out;
  if (q.bytes) out += std::to_string(q.bytes) + "S";
  if (q.messages) out += (out.empty() ? "" : ",") + std::to_string(q.messages) + "C";
  if (out.empty()) out = "0S";
  return out;
}

Result<MaildirSize> parse_maildirsize(std::string_view content) {
  MaildirSize m;
  size_t nl = content.find('\n');
  if (nl == std::string_view::npos) return fail("maildirsize: no definition line", EINVAL);
  auto def = parse_quota_definition(content.substr(0, nl));
  if (!def) return std::unexpected(def.error());
  m.limit = *def;
  std::string_view rest = content.substr(nl + 1);
  while (!rest.empty()) {
    nl = rest.find('\n');
    if (nl == std::string_view::npos) return fail("maildirsize: truncated line", EINVAL);
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    // Courier pads with spaces; accept "bytes count" with one or more spaces/tabs.
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) return fail("maildirsize: empty line", EINVAL);
    line.remove_prefix(b);
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) return fail("maildirsize: malformed line", EINVAL);
    std::string_view a = line.substr(0, sp), c = line.substr(sp);
    size_t cb = c.find_first_not_of(" \t");
    c = cb == std::string_view::npos ? std::string_view() : c.substr(cb);
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
    int64_t bytes = 0, count = 0;
    if (!parse_number(a, bytes) || !parse_number(c, count)) return fail("maildirsize: malformed line", EINVAL);
    m.usage.bytes += bytes;
    m.usage.messages += count;
    ++m.lines;
  }
  return m;
}

bool would_exceed(const QuotaLimit& limit, const QuotaUsage& usage, int64_t add_bytes,
                  int64_t add_messages) {
  if (limit.bytes && usage.bytes + add_bytes > static_cast<int64_t>(limit.bytes)) return true;
  if (limit.messages && usage.messages + add_messages > static_cast<int64_t>(limit.messages))
    return true;
  return false;
}

Result<QuotaUsage> scan_usage(const std::string& maildir) {
  QuotaUsage u;
  if (auto s = add_folder_usage(maildir, u); !s) return std::unexpected(s.error());
  DIR* d = ::opendir(maildir.c_str());
  if (!d) return fail_sys("unable to open " + maildir);
  std::vector<std::string> folders;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() < 2 || n[0] != '.' || n == "..") continue;
    folders.emplace_back(n);
  }
  ::closedir(d);
  for (const auto& f : folders) {
    struct stat st;
    std::string dir = maildir + "/" + f;
    if (::stat((dir + "/cur").c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (auto s = add_folder_usage(dir, u); !s) return std::unexpected(s.error());
  }
  return u;
}

Result<QuotaUsage> Quota::recalculate() {
  auto u = scan_usage(maildir_);
  if (!u) return u;
  std::string content = format_quota_definition(limit_) + "\n" + usage_line(u->bytes, u->messages);
  std::string tmpdir = maildir_ + "/tmp";
  struct stat st;
  if (::stat(tmpdir.c_str(), &st) != 0) tmpdir = maildir_;
  auto tmp = TempFile::create(tmpdir, 0600);
  if (!tmp) return std::unexpected(tmp.error());
  if (auto w = write_all(tmp->fd(), content); !w) return std::unexpected(w.error());
  if (auto c = tmp->commit(path()); !c) return std::unexpected(c.error());
  return u;
}

Result<QuotaUsage> Quota::usage(time_t now) {
  auto fd = open_fd(path(), O_RDONLY);
  if (!fd) {
    if (fd.error().code != ENOENT) return std::unexpected(fd.error());
    return recalculate();
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return fail_sys("unable to stat " + path());
  if (static_cast<size_t>(st.st_size) > kMaxFileSize) return recalculate();
  auto content = read_all(fd->get(), kMaxFileSize + 1);
  if (!content) return std::unexpected(content.error());
  auto m = parse_maildirsize(*content);
  if (!m || !(m->limit == limit_)) return recalculate();
  bool over = maildir::would_exceed(limit_, m->usage, 0, 0);
  if (m->usage.bytes < 0 || m->usage.messages < 0 || (over && st.st_mtime + kOverQuotaRecheck < now))
    return recalculate();
  return m->usage;
}

Result<bool> Quota::would_exceed(uint64_t bytes, uint64_t messages, time_t now) {
  if (limit_.unlimited()) return false;
  auto u = usage(now);
  if (!u) return std::unexpected(u.error());
  return maildir::would_exceed(limit_, *u, static_cast<int64_t>(bytes), static_cast<int64_t>(messages));
}

Status Quota::add(int64_t bytes, int64_t messages) {
  int raw = ::open(path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (raw < 0) {
    if (errno != ENOENT) return fail_sys("unable to open " + path());
    // The scan already sees the new message when called after delivery.
    if (limit_.unlimited()) return {};
    auto r = recalculate();
    if (!r) return std::unexpected(r.error());
    return {};
  }
  Fd fd(raw);
  std::string line = usage_line(bytes, messages);
  ssize_t w = ::write(fd.get(), line.data(), line.size());
  if (w != static_cast<ssize_t>(line.size())) return fail_sys("unable to append to " + path());
  return {};
}

Result<QuotaLimit> quota_from_env(const char* value) {
  if (!value) return QuotaLimit{};
  return parse_quota_definition(value);
}

}  // namespace posta::maildir
