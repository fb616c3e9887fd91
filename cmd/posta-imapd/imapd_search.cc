// SEARCH: every RFC 3501 key; header and body text matched after MIME decoding
// (encoded words, quoted-printable, base64, charsets to UTF-8), case-insensitively (ASCII).
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "imapd_session.h"
#include "mime/address.h"
#include "mime/decode.h"

namespace posta::imapd {
namespace {

time_t day_start(time_t t) { return t - (t % 86400 + 86400) % 86400; }

// The day of an RFC 5322 Date: header ("Tue, 1 Jul 2003 10:52:37 +0200"), as written.
std::optional<time_t> header_day(const std::string& v) {
  std::string s = v;
  auto comma = s.find(',');
  if (comma != std::string::npos) s = s.substr(comma + 1);
  int day = 0, year = 0;
  char mon[8] = {};
  if (std::sscanf(s.c_str(), " %d %3s %d", &day, mon, &year) != 3) return std::nullopt;
  static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  int m = -1;
  for (int i = 0; i < 12; ++i)
    if (strcasecmp(mon, names[i]) == 0) m = i;
  if (m < 0 || day < 1 || day > 31) return std::nullopt;
  if (year < 50) year += 2000;
  else if (year < 1000) year += 1900;
  struct tm tm{};
  tm.tm_mday = day;
  tm.tm_mon = m;
  tm.tm_year = year - 1900;
  return timegm(&tm);
}

bool contains(const std::string& hay, const std::string& needle_folded) {
  if (needle_folded.empty()) return true;
  return mime::fold(hay).find(needle_folded) != std::string::npos;
}

// Decoded text of every text/* part (and nested messages' parts).
void body_text(const mime::Part& p, std::string_view data, std::string& out, int depth = 0) {
  if (depth > 30 || out.size() > (64u << 20)) return;
  if (p.multipart()) {
    for (auto& c : p.children) body_text(c, data, out, depth + 1);
    return;
  }
  if (p.rfc822() && !p.children.empty()) {
    for (auto& h : p.children[0].headers) out += mime::decode_words(h.value) + "\n";
    body_text(p.children[0], data, out, depth + 1);
    return;
  }
  if (p.type != "text" && !(p.type == "message")) return;
  out += mime::decode_body(data.substr(p.body_start, p.body_size()), p.encoding, p.param("charset"));
  out += "\n";
}

std::string header_text(const mime::Part& root, std::string_view field) {
  std::string out;
  for (auto& h : root.headers)
    if (strcasecmp(h.name.c_str(), std::string(field).c_str()) == 0) {
      out += mime::decode_words(h.value);
      out += '\n';
    }
  return out;
}

}  // namespace

bool Session::matches(const imap::SearchKey& k, uint32_t seq, Loaded& m, bool& loaded) {
  using K = imap::SearchKey::Kind;
  uint32_t uid = sel_->uids[seq - 1];
  const auto* mi = sel_->index->find(uid);
  if (!mi) return false;
  auto need = [&]() -> bool {
    if (!loaded) loaded = load(uid, m);
    return loaded;
  };
  const std::string& f = mi->flags;
  auto has = [&](char c) { return f.find(c) != std::string::npos; };
  bool recent = sel_->recent.count(uid) > 0;
  switch (k.kind) {
    case K::kAll: return true;
    case K::kAnswered: return has('R');
    case K::kDeleted: return has('T');
    case K::kDraft: return has('D');
    case K::kFlagged: return has('F');
    case K::kSeen: return has('S');
    case K::kUnanswered: return !has('R');
    case K::kUndeleted: return !has('T');
    case K::kUndraft: return !has('D');
    case K::kUnflagged: return !has('F');
    case K::kUnseen: return !has('S');
    case K::kRecent: return recent;
    case K::kNew: return recent && !has('S');
    case K::kOld: return !recent;
    case K::kKeyword:
    case K::kUnkeyword: {
      auto l = sel_->index->letter_for(k.str, false);
      bool set = l && has(*l);
      return k.kind == K::kKeyword ? set : !set;
    }
    case K::kLarger: return rfc822_size(*mi) > k.number;
    case K::kSmaller: return rfc822_size(*mi) < k.number;
    case K::kUid: return k.set.contains(uid, sel_->uids.empty() ? 0 : sel_->uids.back());
    case K::kSeqSet: return k.set.contains(seq, static_cast<uint32_t>(sel_->uids.size()));
    case K::kBefore: return day_start(internal_date(*mi)) < k.date;
    case K::kOn: return day_start(internal_date(*mi)) == k.date;
    case K::kSince: return day_start(internal_date(*mi)) >= k.date;
    case K::kNot: return !matches(k.sub[0], seq, m, loaded);
    case K::kOr: return matches(k.sub[0], seq, m, loaded) || matches(k.sub[1], seq, m, loaded);
    case K::kAnd:
      for (auto& s : k.sub)
        if (!matches(s, seq, m, loaded)) return false;
      return true;
    default: break;
  }
  if (!need()) return false;
  const mime::Part& root = m.part();
  std::string needle = mime::fold(k.str);
  switch (k.kind) {
    case K::kSentBefore:
    case K::kSentOn:
    case K::kSentSince: {
      auto d = mime::header_value(root.headers, "date");
      auto day = d ? header_day(*d) : std::nullopt;
      if (!day) return false;
      return k.kind == K::kSentBefore ? *day < k.date : k.kind == K::kSentOn ? *day == k.date : *day >= k.date;
    }
    case K::kFrom: return contains(header_text(root, "from"), needle);
    case K::kTo: return contains(header_text(root, "to"), needle);
    case K::kCc: return contains(header_text(root, "cc"), needle);
    case K::kBcc: return contains(header_text(root, "bcc"), needle);
    case K::kSubject: return contains(header_text(root, "subject"), needle);
    case K::kHeader: {
      bool present = std::any_of(root.headers.begin(), root.headers.end(),
                                 [&](auto& h) { return strcasecmp(h.name.c_str(), k.field.c_str()) == 0; });
      return present && contains(header_text(root, k.field), needle);
    }
    case K::kBody: {
      std::string text;
      body_text(root, m.data, text);
      return contains(text, needle);
    }
    case K::kText: {
      std::string text;
      for (auto& h : root.headers) text += h.name + ": " + mime::decode_words(h.value) + "\n";
      body_text(root, m.data, text);
      return contains(text, needle);
    }
    default: return false;
  }
}

void Session::cmd_search(const std::string& tag, Parser& p, bool uid) {
  if (!p.sp()) return bad(tag, "Missing search keys");
  if (p.skip_word("RETURN")) return bad(tag, "ESEARCH is not supported");
  if (p.skip_word("CHARSET")) {
    if (!p.sp()) return bad(tag, "Missing charset");
    auto cs = p.astring();
    if (!cs || !p.sp()) return bad(tag, "Invalid charset");
    std::string c = imap::upper(*cs);
    if (c != "UTF-8" && c != "US-ASCII") return no(tag, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
  }
  auto prog = p.search_program();
  if (!prog) return bad(tag, "Invalid search: " + p.error());
  std::string out = "* SEARCH";
  for (uint32_t seq = 1; seq <= sel_->uids.size(); ++seq) {
    Loaded m;
    bool loaded = false;
    if (matches(*prog, seq, m, loaded))
      out += " " + std::to_string(uid ? sel_->uids[seq - 1] : seq);
  }
  out_.line(out);
  ok(tag, uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace posta::imapd
