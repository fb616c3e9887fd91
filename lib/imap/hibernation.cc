#include "imap/hibernation.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace posta::imap {
namespace {

constexpr std::string_view kMagic = "posta-hibernate-state 1";
constexpr std::string_view kFrameMagic = "posta-hibernate 1";
constexpr size_t kMaxKeywords = 64;

bool clean(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

// An IMAP tag (RFC 3501 "tag"): ASTRING-CHAR except "+".
bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 1000) return false;
  for (unsigned char c : t)
    if (c <= 0x20 || c >= 0x7f || std::string_view("(){%*\"\\+").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  return true;
}

bool valid_keyword(std::string_view k) {  // "" (a gap) or an atom
  if (k.size() > 255) return false;
  for (unsigned char c : k)
    if (c <= 0x20 || c >= 0x7f || std::string_view("(){%*\"\\]").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  return true;
}

bool valid_env(std::string_view e) {
  auto eq = e.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = e[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Decimal, no sign, no leading zeros.
template <class T>
bool number(std::string_view s, T& out) {
  if (s.empty() || s[0] < '0' || s[0] > '9' || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string format_runs(const UidRuns& runs) {
  std::string out;
  for (auto [lo, hi] : runs) {
    if (!out.empty()) out += ',';
    out += std::to_string(lo);
    if (hi != lo) out += ':' + std::to_string(hi);
  }
  return out;
}

bool parse_runs(std::string_view s, UidRuns& out) {
  out.clear();
  if (s.empty()) return true;
  uint64_t prev_hi = 0;
  for (;;) {
    auto comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    auto colon = item.find(':');
    uint32_t lo = 0, hi = 0;
    if (!number(item.substr(0, colon), lo)) return false;
    if (colon == std::string_view::npos) hi = lo;
    else if (!number(item.substr(colon + 1), hi) || hi <= lo) return false;
    // canonical: ascending, disjoint, not adjacent
    if (lo == 0 || (!out.empty() && lo <= prev_hi + 1)) return false;
    out.emplace_back(lo, hi);
    prev_hi = hi;
    if (comma == std::string_view::npos) return true;
    s.remove_prefix(comma + 1);
  }
}

bool runs_within(const UidRuns& inner, const UidRuns& outer) {
  size_t j = 0;
  for (auto [lo, hi] : inner) {
    while (j < outer.size() && outer[j].second < lo) ++j;
    if (j == outer.size() || outer[j].first > lo || outer[j].second < hi) return false;
  }
  return true;
}

// The lines of the text, each checked for length; the last must end with LF.
class Lines {
 public:
  explicit Lines(std::string_view t) : t_(t) {}
  bool at_end() const { return t_.empty(); }
  // The next line split at its first space; false at the end or on a bad line.
  bool next(std::string_view& key, std::string_view& value, size_t max = kMaxHibernatedField) {
    auto nl = t_.find('\n');
    if (nl == std::string_view::npos || nl > max) return false;
    std::string_view line = t_.substr(0, nl);
    t_.remove_prefix(nl + 1);
    if (!clean(line)) return false;
    auto sp = line.find(' ');
    key = line.substr(0, sp);
    value = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (sp != std::string_view::npos && value.empty()) return false;  // "key " is not canonical
    return true;
  }
  // The next line's key without taking it ("" at the end).
  std::string_view peek_key() const {
    auto end = t_.find_first_of(" \n");
    return end == std::string_view::npos ? std::string_view() : t_.substr(0, end);
  }

 private:
  std::string_view t_;
};

void line(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  if (!value.empty()) {
    out += ' ';
    out += value;
  }
  out += '\n';
}

}  // namespace

UidRuns uid_runs(const std::vector<uint32_t>& ascending) {
  UidRuns runs;
  for (uint32_t u : ascending) {
    if (!runs.empty() && runs.back().second + 1 == u) runs.back().second = u;
    else runs.emplace_back(u, u);
  }
  return runs;
}

std::vector<uint32_t> expand_uid_runs(const UidRuns& runs) {
  std::vector<uint32_t> out;
  out.reserve(count_uid_runs(runs));
  for (auto [lo, hi] : runs)
    for (uint64_t u = lo; u <= hi; ++u) out.push_back(static_cast<uint32_t>(u));
  return out;
}

uint64_t count_uid_runs(const UidRuns& runs) {
  uint64_t n = 0;
  for (auto [lo, hi] : runs) n += uint64_t{hi} - lo + 1;
  return n;
}

Result<std::string> encode_hibernated(const HibernatedSession& s) {
  if (!valid_tag(s.tag)) return fail("tag cannot be hibernated");
  if (s.env.size() > kMaxHibernatedEnv) return fail("too many environment variables");
  std::string out;
  line(out, kMagic, "");
  line(out, "tag", s.tag);
  line(out, "idle-end", std::to_string(s.idle_end_ms < 0 ? 0 : s.idle_end_ms));
  line(out, "session-left", s.session_left_ms < 0 ? "none" : std::to_string(s.session_left_ms));
  std::string enabled;
  for (auto [on, word] : {std::pair{s.condstore, "condstore"}, {s.qresync, "qresync"}, {s.rev2, "rev2"}, {s.utf8, "utf8"}})
    if (on) enabled += (enabled.empty() ? "" : " ") + std::string(word);
  line(out, "enabled", enabled);
  for (const auto& e : s.env) {
    if (!valid_env(e) || !clean(e) || e.size() + 4 > kMaxHibernatedField) return fail("environment entry cannot be hibernated");
    line(out, "env", e);
  }
  if (const auto& m = s.mailbox) {
    if (m->name.empty() || !clean(m->name) || m->name.size() > 1000) return fail("mailbox name cannot be hibernated");
    if (m->dir.empty() || m->dir[0] != '/' || !clean(m->dir) || m->dir.size() > 2048) return fail("folder path cannot be hibernated");
    if (m->uid_validity == 0) return fail("no UIDVALIDITY");
    if (m->keywords_told.size() > kMaxKeywords) return fail("too many keywords");
    line(out, "mailbox", m->name);
    line(out, "dir", m->dir);
    line(out, "read-only", m->read_only ? "1" : "0");
    line(out, "uidvalidity", std::to_string(m->uid_validity));
    line(out, "highestmodseq", std::to_string(m->highest_modseq));
    line(out, "mtimes", std::to_string(std::max<int64_t>(0, m->new_mtime_ns)) + " " +
                            std::to_string(std::max<int64_t>(0, m->cur_mtime_ns)));
    // uids and recent may be longer than kMaxHibernatedField (a fragmented view)
    line(out, "uids", format_runs(m->uids));
    line(out, "recent", format_runs(m->recent));
    for (const auto& k : m->keywords_told) {
      if (!valid_keyword(k)) return fail("keyword cannot be hibernated");
      line(out, "keyword", k);
    }
  }
  line(out, "end", "");
  if (out.size() > kMaxHibernatedState) return fail("state too large");
  return out;
}

Result<HibernatedSession> parse_hibernated(std::string_view text) {
  if (text.size() > kMaxHibernatedState) return fail("state too large");
  Lines in(text);
  std::string_view k, v;
  auto expect = [&](std::string_view key, size_t max = kMaxHibernatedField) { return in.next(k, v, max) && k == key; };
  auto bad = [&](std::string_view what) { return fail("malformed hibernated state: " + std::string(what)); };
  HibernatedSession s;
  if (!expect(kMagic.substr(0, kMagic.find(' '))) || v != kMagic.substr(kMagic.find(' ') + 1)) return bad("not a posta state");
  if (!expect("tag") || !valid_tag(v)) return bad("tag");
  s.tag = v;
  if (!expect("idle-end") || !number(v, s.idle_end_ms)) return bad("idle-end");
  if (!expect("session-left")) return bad("session-left");
  if (v != "none" && !number(v, s.session_left_ms)) return bad("session-left");
  if (!expect("enabled")) return bad("enabled");
  {
    std::string_view rest = v;
    bool* flags[] = {&s.condstore, &s.qresync, &s.rev2, &s.utf8};
    std::string_view words[] = {"condstore", "qresync", "rev2", "utf8"};
    size_t i = 0;
    while (!rest.empty()) {
      auto sp = rest.find(' ');
      std::string_view w = rest.substr(0, sp);
      while (i < 4 && words[i] != w) ++i;
      if (i == 4) return bad("enabled");
      *flags[i++] = true;
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
      if (rest.empty()) return bad("enabled");
    }
  }
  while (in.peek_key() == "env") {
    if (!in.next(k, v) || !valid_env(v) || s.env.size() >= kMaxHibernatedEnv) return bad("env");
    s.env.emplace_back(v);
  }
  if (in.peek_key() == "mailbox") {
    HibernatedMailbox m;
    if (!expect("mailbox") || v.empty() || v.size() > 1000) return bad("mailbox");
    m.name = v;
    if (!expect("dir") || v.empty() || v[0] != '/' || v.size() > 2048) return bad("dir");
    m.dir = v;
    if (!expect("read-only") || (v != "0" && v != "1")) return bad("read-only");
    m.read_only = v == "1";
    if (!expect("uidvalidity") || !number(v, m.uid_validity) || m.uid_validity == 0) return bad("uidvalidity");
    if (!expect("highestmodseq") || !number(v, m.highest_modseq)) return bad("highestmodseq");
    if (!expect("mtimes")) return bad("mtimes");
    if (auto sp = v.find(' '); sp == std::string_view::npos || !number(v.substr(0, sp), m.new_mtime_ns) ||
                               !number(v.substr(sp + 1), m.cur_mtime_ns))
      return bad("mtimes");
    if (!expect("uids", kMaxHibernatedState) || !parse_runs(v, m.uids)) return bad("uids");
    if (!expect("recent", kMaxHibernatedState) || !parse_runs(v, m.recent) || !runs_within(m.recent, m.uids))
      return bad("recent");
    while (in.peek_key() == "keyword") {
      if (!in.next(k, v) || !valid_keyword(v) || m.keywords_told.size() >= kMaxKeywords) return bad("keyword");
      m.keywords_told.emplace_back(v);
    }
    s.mailbox = std::move(m);
  }
  if (!expect("end") || !v.empty()) return bad("end");
  if (!in.at_end()) return bad("bytes after the end");
  return s;
}

std::string hibernate_frame_header(size_t length, int fds) {
  return std::string(kFrameMagic) + " " + std::to_string(length) + " " + std::to_string(fds) + "\n";
}

Result<std::pair<size_t, int>> parse_hibernate_frame_header(std::string_view l) {
  auto bad = [] { return fail("malformed frame header"); };
  if (!l.starts_with(kFrameMagic) || l.size() <= kFrameMagic.size() || l[kFrameMagic.size()] != ' ') return bad();
  l.remove_prefix(kFrameMagic.size() + 1);
  auto sp = l.find(' ');
  if (sp == std::string_view::npos) return bad();
  size_t length = 0;
  int fds = 0;
  if (!number(l.substr(0, sp), length) || length == 0 || length > kMaxHibernatedState) return bad();
  if (!number(l.substr(sp + 1), fds) || fds < 1 || fds > 2) return bad();
  return std::pair{length, fds};
}

}  // namespace posta::imap
