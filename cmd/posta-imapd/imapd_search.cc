// SEARCH: every RFC 3501 key; header and body text matched after MIME decoding
// (encoded words, quoted-printable, base64, charsets to UTF-8), case-insensitively (ASCII).
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "imapd_fts.h"
#include "imapd_session.h"
#include "log/log.h"
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

std::string header_text(const std::vector<mime::HeaderField>& headers, std::string_view field) {
  std::string out;
  for (auto& h : headers)
    if (strcasecmp(h.name.c_str(), std::string(field).c_str()) == 0) {
      out += mime::decode_words(h.value);
      out += '\n';
    }
  return out;
}

// An address field as SEARCH FROM/TO/CC/BCC reads it: the decoded header, then each address
// as "name local@host" with its name unquoted and decoded (so "A \"q\"" and encoded words
// inside quotes match as displayed).
std::string address_text(const std::vector<mime::HeaderField>& headers, std::string_view field) {
  std::string out = header_text(headers, field);
  for (auto& h : headers) {
    if (strcasecmp(h.name.c_str(), std::string(field).c_str()) != 0) continue;
    for (auto& a : mime::parse_addresses(h.value, 500)) {
      if (a.group_end) continue;
      out += mime::decode_words(a.has_name ? a.name : a.comment) + " " + a.mailbox + (a.host.empty() ? "" : "@" + a.host) + "\n";
    }
  }
  return out;
}

// What a search program reads: flags and index data only, the cached header fields, or
// the whole message.
enum class Need { kIndex, kHeaders, kFull };

Need need_of(const imap::SearchKey& k) {
  using K = imap::SearchKey::Kind;
  switch (k.kind) {
    case K::kFrom: case K::kTo: case K::kCc: case K::kBcc: case K::kSubject:
    case K::kSentBefore: case K::kSentOn: case K::kSentSince:
      return Need::kHeaders;
    case K::kHeader: return mailstore::is_cached_header(k.field) ? Need::kHeaders : Need::kFull;
    case K::kBody: case K::kText: return Need::kFull;
    default: break;
  }
  Need n = Need::kIndex;
  for (auto& s : k.sub) n = std::max(n, need_of(s));
  return n;
}

bool has_modseq_key(const imap::SearchKey& k) {
  return k.kind == imap::SearchKey::Kind::kModseq ||
         std::any_of(k.sub.begin(), k.sub.end(), [](auto& s) { return has_modseq_key(s); });
}

}  // namespace

// The message's cached header fields; read from the message (and added to the cache) when
// missing. nullopt when the message cannot be read.
std::optional<std::string_view> Session::cached_fields(const mailstore::MessageInfo& mi) {
  auto& hc = *sel_->headers;
  if (auto f = hc.find(sel_->index->base(mi))) return f;
  std::string base(sel_->index->base(mi));  // load() may rescan and invalidate mi
  Loaded m;
  if (!load(mi.uid, m)) return std::nullopt;
  size_t end = m.data.find("\r\n\r\n");
  hc.add(base, mailstore::cached_header_fields(std::string_view(m.data).substr(0, end == std::string::npos ? m.data.size() : end + 2)));
  return hc.find(base);
}

bool Session::matches(const imap::SearchKey& k, uint32_t seq, Loaded& m, bool& loaded) {
  using K = imap::SearchKey::Kind;
  uint32_t uid = sel_->uids[seq - 1];
  const auto* mi = sel_->index->find(uid, seq - 1);
  if (!mi) return false;
  auto need = [&]() -> bool {
    if (!loaded) loaded = load(uid, m);
    return loaded;
  };
  uint64_t f = mi->flags_set;
  auto has = [&](char c) { return (f & mailstore::flag_bit(c)) != 0; };
  bool recent = sel_->is_recent(uid);
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
    case K::kUid:
      if (k.set.last_result) return sel_->is_saved(uid);
      return k.set.contains(uid, sel_->uids.empty() ? 0 : sel_->uids.back());
    case K::kModseq: return mi->modseq >= k.number;
    case K::kSeqSet:
      if (k.set.last_result) return sel_->is_saved(uid);
      return k.set.contains(seq, static_cast<uint32_t>(sel_->uids.size()));
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
  const std::vector<mime::HeaderField>* headers = nullptr;
  if (m.cached_fields && k.kind != K::kBody && k.kind != K::kText &&
      (k.kind != K::kHeader || mailstore::is_cached_header(k.field))) {
    if (!m.cached_headers) m.cached_headers = mime::parse_headers(*m.cached_fields);
    headers = &*m.cached_headers;
  } else {
    if (!need()) return false;
    headers = &m.part().headers;
  }
  const mime::Part* root_ptr = loaded ? &m.part() : nullptr;
  std::string needle = mime::fold(k.str);
  switch (k.kind) {
    case K::kSentBefore:
    case K::kSentOn:
    case K::kSentSince: {
      auto d = mime::header_value(*headers, "date");
      auto day = d ? header_day(*d) : std::nullopt;
      if (!day) return false;
      return k.kind == K::kSentBefore ? *day < k.date : k.kind == K::kSentOn ? *day == k.date : *day >= k.date;
    }
    case K::kFrom: return contains(address_text(*headers, "from"), needle);
    case K::kTo: return contains(address_text(*headers, "to"), needle);
    case K::kCc: return contains(address_text(*headers, "cc"), needle);
    case K::kBcc: return contains(address_text(*headers, "bcc"), needle);
    case K::kSubject: return contains(header_text(*headers, "subject"), needle);
    case K::kHeader: {
      bool present = std::any_of(headers->begin(), headers->end(),
                                 [&](auto& h) { return strcasecmp(h.name.c_str(), k.field.c_str()) == 0; });
      return present && contains(header_text(*headers, k.field), needle);
    }
    case K::kBody: {
      std::string text;
      body_text(*root_ptr, m.data, text);
      return contains(text, needle);
    }
    case K::kText: {
      std::string text;
      for (auto& h : *headers) text += h.name + ": " + mime::decode_words(h.value) + "\n";
      body_text(*root_ptr, m.data, text);
      return contains(text, needle);
    }
    default: return false;
  }
}

void Session::cmd_search(const std::string& tag, Parser& p, bool uid) {
  if (!p.sp()) return bad(tag, "Missing search keys");
  std::optional<imap::SearchReturn> ret;
  if (p.skip_word("RETURN")) {
    if (!p.sp() || !(ret = p.search_return()) || !p.sp()) return bad(tag, "Invalid RETURN options: " + p.error());
  }
  // A SEARCH ... SAVE that fails leaves "$" empty (RFC 5182 2.1).
  if (ret && ret->save) sel_->saved.clear();
  if (p.skip_word("CHARSET")) {
    if (!p.sp()) return bad(tag, "Missing charset");
    auto cs = p.astring();
    if (!cs || !p.sp()) return bad(tag, "Invalid charset");
    std::string c = posta::upper(*cs);
    if (c != "UTF-8" && c != "US-ASCII") return no(tag, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
  }
  auto prog = p.search_program();
  if (!prog) return bad(tag, "Invalid search: " + p.error());
  bool modseq_key = has_modseq_key(*prog);
  if (modseq_key) enable_condstore();
  uint64_t highest = 0;  // of the messages found, for "(MODSEQ n)" (RFC 7162 3.1.5)
  std::vector<uint32_t> found = search_matching(*prog, highest);
  search_results(tag, uid, ret, found, highest);
  fts_after_answer();
}

void Session::fts_after_answer() {
  if (fts_discard_) (void)fts::discard(sel_->index->folder());
  if (fts_catch_up_) catch_up_after_answer(*sel_->index);
  fts_discard_ = fts_catch_up_ = false;
}

std::vector<uint32_t> Session::search_matching(const imap::SearchKey& prog, uint64_t& highest) {
  bool use_cache = need_of(prog) == Need::kHeaders;
  bool modseq_key = has_modseq_key(prog);
  if (use_cache) {
    if (!sel_->headers) sel_->headers = std::make_unique<mailstore::HeaderCache>(sel_->index->folder());
    sel_->headers->load();
  }
  // BODY and TEXT keys through the folder's full-text index, when it has a usable one: the
  // messages it rules out are skipped, every other one is matched as without it.
  std::unique_ptr<fts::FolderIndex> fti;
  fts::UidHits hits;
  bool text_key = has_text_key(prog);
  if (text_key && (fti = fts::FolderIndex::open(sel_->index->folder(), sel_->index->uid_validity())))
    hits = fts_hits(prog, *fti);
  size_t unindexed = 0;  // messages scanned for want of a document
  std::vector<uint32_t> found;
  for (uint32_t seq = 1; seq <= sel_->uids.size(); ++seq) {
    if (fti) {
      uint32_t u = sel_->uids[seq - 1];
      if (!fti->may_match(hits, u)) continue;
      if (!fti->indexed(u)) ++unindexed;
    }
    Loaded m;
    bool loaded = false;
    if (use_cache) {
      const auto* mi = sel_->index->find(sel_->uids[seq - 1], seq - 1);
      if (!mi) continue;
      m.cached_fields = cached_fields(*mi);
    }
    if (matches(prog, seq, m, loaded)) {
      found.push_back(seq);
      if (const auto* mi = modseq_key ? sel_->index->find(sel_->uids[seq - 1], seq - 1) : nullptr)
        highest = std::max(highest, mi->modseq);
    }
  }
  if (use_cache) {
    if (auto s = sel_->headers->save(*sel_->index); !s)
      log::warning("header cache of ", sel_->name, ": ", s.error().what);
  }
  // what the index needs is done after the answer (fts_after_answer)
  fts_discard_ = fti && fti->damaged();
  fts_catch_up_ = text_key && (!fti || fti->damaged() || unindexed > 0);
  return found;
}

void Session::search_results(const std::string& tag, bool uid, std::optional<imap::SearchReturn> ret,
                             const std::vector<uint32_t>& found, uint64_t highest_modseq, bool sorted) {
  auto number = [&](uint32_t seq) { return uid ? sel_->uids[seq - 1] : seq; };
  std::string done = sorted ? (uid ? "UID SORT completed" : "SORT completed")
                            : uid ? "UID SEARCH completed" : "SEARCH completed";
  if (!ret && rev2_) ret = imap::SearchReturn{.all = true};  // IMAP4rev2 answers ESEARCH (RFC 9051 6.4.4)
  if (!ret) {
    std::string out = "* SEARCH";
    for (uint32_t seq : found) out += " " + std::to_string(number(seq));
    if (highest_modseq) out += " (MODSEQ " + std::to_string(highest_modseq) + ")";
    out_.line(out);
    return ok(tag, done);
  }
  if (ret->save) {
    // With MIN and/or MAX alone, only those are saved (RFC 5182 2.4).
    sel_->saved.clear();
    bool extremes_only = (ret->min || ret->max) && !ret->all && !ret->count;
    for (size_t i = 0; i < found.size(); ++i)
      if (!extremes_only || (ret->min && i == 0) || (ret->max && i + 1 == found.size()))
        sel_->saved.push_back(sel_->uids[found[i] - 1]);
    if (sorted) std::sort(sel_->saved.begin(), sel_->saved.end());
  }
  if (!ret->min && !ret->max && !ret->all && !ret->count) return ok(tag, done);  // SAVE alone
  std::string out = "* ESEARCH (TAG " + imap::quote(tag) + ")" + (uid ? " UID" : "");
  if (!found.empty()) {
    if (ret->min) out += " MIN " + std::to_string(number(found.front()));
    if (ret->max) out += " MAX " + std::to_string(number(found.back()));
    if (ret->all) {
      std::vector<uint32_t> numbers;
      numbers.reserve(found.size());
      for (uint32_t seq : found) numbers.push_back(number(seq));
      out += " ALL " + (sorted ? imap::ordered_set(numbers) : imap::format_set(numbers));
    }
  }
  if (ret->count) out += " COUNT " + std::to_string(found.size());
  if (highest_modseq && !found.empty()) out += " MODSEQ " + std::to_string(highest_modseq);
  out_.line(out);
  ok(tag, done);
}

}  // namespace posta::imapd
