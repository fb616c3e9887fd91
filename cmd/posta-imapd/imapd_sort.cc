// SORT (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO) over the header cache; the sort keys of a
// message are extracted once per session (Selected::sort_fields).
#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {

std::optional<imap::SearchKey> Session::sort_search_args(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing charset"), std::nullopt;
  auto cs = p.astring();
  if (!cs || !p.sp()) return bad(tag, "Missing charset or search keys"), std::nullopt;
  std::string c = posta::upper(*cs);
  if (c != "UTF-8" && c != "US-ASCII") return no(tag, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"), std::nullopt;
  auto prog = p.search_program();
  if (!prog) return bad(tag, "Invalid search: " + p.error()), std::nullopt;
  return prog;
}

std::vector<uint32_t> Session::sort_candidates(const imap::SearchKey& prog, uint64_t& highest) {
  std::vector<uint32_t> seqs;
  if (prog.kind == imap::SearchKey::Kind::kAll) {
    seqs.resize(sel_->uids.size());
    for (uint32_t i = 0; i < seqs.size(); ++i) seqs[i] = i + 1;
    return seqs;
  }
  return search_matching(prog, highest);
}

// Positions, not a map by UID: one allocation for all the messages, no node per message
// (a fresh session's first SORT of 100,000 messages spent a third of its time in those).
const imap::SortFields* Session::sort_fields_of(uint32_t seq, uint8_t parts) {
  uint32_t uid = sel_->uids[seq - 1];
  auto& fields = sel_->sort_fields;
  auto& uids = sel_->sort_uids;
  if (uids.size() != sel_->uids.size() || uids[seq - 1] != uid) {
    std::vector<imap::SortFields> kept(sel_->uids.size());
    for (size_t i = 0; i < sel_->uids.size(); ++i) {
      auto old = std::lower_bound(uids.begin(), uids.end(), sel_->uids[i]);
      if (old != uids.end() && *old == sel_->uids[i]) kept[i] = std::move(fields[old - uids.begin()]);
    }
    fields = std::move(kept);
    uids = sel_->uids;
  }
  imap::SortFields& f = fields[seq - 1];
  if ((f.have & parts) == parts) return &f;
  constexpr uint8_t kCached = imap::kSortDate | imap::kSortSubject;  // posta-sort.cache's
  if ((parts & kCached) && !(f.have & kCached)) {
    if (!sel_->sort_cache) sel_->sort_cache = mailstore::SortCache::load(sel_->index->folder(), sel_->index->uid_validity());
    mailstore::SortCacheEntry e;
    if (sel_->sort_cache->find(uid, e)) {
      f.sent = e.sent;
      f.subject = e.subject;
      f.reply_or_fwd = e.reply_or_fwd;
      f.have |= kCached;
      if ((f.have & parts) == parts) return &f;
    } else {
      parts |= kCached;  // both, for the cache
      ++sel_->sort_computed;
    }
  }
  if (!sel_->headers_open) open_headers();
  const auto* mi = sel_->index->find(uid, seq - 1);
  if (!mi) return nullptr;
  mailstore::MessageInfo info = *mi;  // cached_fields() may load, rescan and move *mi
  auto block = cached_fields(info);
  imap::add_sort_fields(f, block.value_or(std::string_view()), parts, [&] { return internal_date(info); });
  return &f;
}

// The header cache brought up to date, for the sort keys not in posta-sort.cache.
void Session::open_headers() {
  if (!sel_->headers) sel_->headers = std::make_unique<mailstore::HeaderCache>(sel_->index->folder());
  sel_->headers->load();
  sel_->headers_open = true;
}

// After a SORT or THREAD: what it added to the header cache saved, and posta-sort.cache
// replaced when it lacked some of the dates and subjects.
void Session::done_with_headers() {
  if (sel_->headers_open) {
    if (auto s = sel_->headers->save(*sel_->index); !s)
      log::warning("header cache of ", sel_->name, ": ", s.error().what);
    sel_->headers_open = false;
  }
  if (sel_->sort_computed == 0) return;
  sel_->sort_computed = 0;
  std::vector<mailstore::SortCacheEntry> entries;
  entries.reserve(sel_->sort_uids.size());
  mailstore::SortCacheEntry old;
  for (size_t i = 0; i < sel_->sort_uids.size(); ++i) {
    const auto& f = sel_->sort_fields[i];
    uint32_t uid = sel_->sort_uids[i];
    if ((f.have & imap::kSortDate) && (f.have & imap::kSortSubject))
      entries.push_back({uid, f.reply_or_fwd, f.sent, f.subject});
    else if (sel_->sort_cache && sel_->sort_cache->find(uid, old))
      entries.push_back(old);
  }
  if (auto s = mailstore::SortCache::save(sel_->index->folder(), sel_->index->uid_validity(), entries); !s)
    log::warning("sort cache of ", sel_->name, ": ", s.error().what);
}

void Session::cmd_sort(const std::string& tag, Parser& p, bool uid) {
  if (!p.sp()) return bad(tag, "Missing sort criteria");
  std::optional<imap::SearchReturn> ret;  // ESORT (RFC 5267)
  if (p.skip_word("RETURN")) {
    if (!p.sp() || !(ret = p.search_return()) || !p.sp()) return bad(tag, "Invalid RETURN options: " + p.error());
  }
  if (ret && ret->save) sel_->saved.clear();  // emptied by a failure too (RFC 5182 2.1)
  auto criteria = p.sort_criteria();
  if (!criteria) return bad(tag, "Invalid sort criteria: " + p.error());
  auto prog = sort_search_args(tag, p);
  if (!prog) return;
  uint64_t highest = 0;  // of the messages found, with a MODSEQ key (RFC 7162 3.1.5)
  std::vector<uint32_t> seqs = sort_candidates(*prog, highest);
  if (highest) enable_condstore();
  uint8_t parts = imap::sort_parts(*criteria);
  bool headers = parts != 0;
  static const imap::SortFields kNone;
  std::vector<imap::SortItem> items;
  items.reserve(seqs.size());
  for (uint32_t seq : seqs) {
    const auto* mi = sel_->index->find(sel_->uids[seq - 1], seq - 1);
    if (!mi) continue;
    mailstore::MessageInfo info = *mi;  // a load may rescan and move *mi
    imap::SortItem it{.number = seq, .fields = &kNone};
    for (auto& c : *criteria) {
      if (c.key == imap::SortKey::kArrival) it.arrival = arrival_of(info);
      if (c.key == imap::SortKey::kSize) it.size = rfc822_size(info);
    }
    if (headers) {
      const auto* f = sort_fields_of(seq, parts);
      if (!f) continue;
      it.fields = f;
    }
    items.push_back(it);
  }
  if (headers) done_with_headers();
  imap::sort_items(items, *criteria);
  if (ret) {
    std::vector<uint32_t> sorted;
    sorted.reserve(items.size());
    for (auto& it : items) sorted.push_back(it.number);
    search_results(tag, uid, ret, sorted, highest, true);
    return fts_after_answer();
  }
  std::string out = "* SORT";
  for (auto& it : items) out += " " + std::to_string(uid ? sel_->uids[it.number - 1] : it.number);
  if (highest) out += " (MODSEQ " + std::to_string(highest) + ")";
  out_.line(out);
  ok(tag, uid ? "UID SORT completed" : "SORT completed");
  fts_after_answer();
}

time_t Session::arrival_of(const mailstore::MessageInfo& mi) {
  auto [it, fresh] = sel_->arrival.try_emplace(mi.uid, 0);
  if (fresh) it->second = internal_date(mi);
  return it->second;
}

}  // namespace posta::imapd
