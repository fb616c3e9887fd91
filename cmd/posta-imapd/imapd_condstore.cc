// CONDSTORE and QRESYNC (RFC 7162): ENABLE, SELECT (QRESYNC ...), VANISHED (EARLIER).
// The modseqs themselves live in the folder (mailstore/modseq_log.h).
#include <algorithm>

#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {

void Session::enable_condstore() {
  if (condstore_) return;
  condstore_ = true;
  if (sel_)
    out_.line("* OK [HIGHESTMODSEQ " + std::to_string(sel_->index->highest_modseq()) + "] Highest");
}

// ENABLE (RFC 5161): answers with what this command turned on. CONDSTORE, QRESYNC,
// IMAP4rev2 and UTF8=ACCEPT are known; anything else is ignored.
void Session::cmd_enable(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "ENABLE needs a capability");
  std::string enabled;
  for (;;) {
    auto a = p.atom();
    if (!a) return bad(tag, "Invalid ENABLE argument");
    std::string c = posta::upper(*a);
    if (c == "CONDSTORE" || c == "QRESYNC") {
      bool was = c == "QRESYNC" ? qresync_ : condstore_;
      if (c == "QRESYNC") qresync_ = true;  // QRESYNC implies CONDSTORE (RFC 7162 3.2.3)
      enable_condstore();
      if (!was) enabled += " " + c;
    } else if (c == "IMAP4REV2" || c == "UTF8=ACCEPT") {
      bool& flag = c == "IMAP4REV2" ? rev2_ : utf8_names_;
      if (!flag) enabled += c == "IMAP4REV2" ? " IMAP4rev2" : " UTF8=ACCEPT";
      flag = true;
      utf8_names_ = true;  // IMAP4rev2 names mailboxes in UTF-8 (RFC 9051 5.1)
    }
    if (p.at_end()) break;
    if (!p.sp()) return bad(tag, "Invalid ENABLE arguments");
  }
  out_.line("* ENABLED" + enabled);
  ok(tag, "ENABLE completed");
}

void Session::vanished_earlier(const std::vector<imap::SequenceSet::Interval>& range, uint64_t modseq) {
  if (range.empty()) return;
  auto& ix = *sel_->index;
  bool complete = false;
  auto gone = ix.expunged_since(modseq, complete);
  if (!gone) {
    log::warning("modseq log of ", sel_->name, ": ", gone.error().what);
    complete = false;
  }
  std::vector<imap::SequenceSet::Interval> out;
  auto msgs = ix.messages();
  if (complete) {
    auto in_range = [&](uint32_t u) {
      auto it = std::upper_bound(range.begin(), range.end(), u, [](uint32_t v, auto& iv) { return v < iv.first; });
      return it != range.begin() && u <= std::prev(it)->second;
    };
    for (uint32_t u : *gone)
      if (in_range(u) && !ix.find(u)) out.emplace_back(u, u);
  } else {
    // The log no longer knows expunges that old: every UID of the range not present now
    // (RFC 7162 3.2.5.2 allows the superset). The gaps between present UIDs, per interval.
    auto it = msgs.begin();
    for (auto [lo, hi] : range) {
      uint64_t next = lo;
      it = std::lower_bound(it, msgs.end(), lo, [](auto& m, uint32_t u) { return m.uid < u; });
      for (; it != msgs.end() && it->uid <= hi; ++it) {
        if (it->uid > next) out.emplace_back(static_cast<uint32_t>(next), it->uid - 1);
        next = uint64_t{it->uid} + 1;
      }
      if (next <= hi) out.emplace_back(static_cast<uint32_t>(next), hi);
    }
  }
  if (!out.empty()) out_.line("* VANISHED (EARLIER) " + imap::format_set(out));
}

void Session::qresync_select(const imap::QresyncParams& q) {
  auto& ix = *sel_->index;
  if (q.uid_validity != ix.uid_validity()) return;  // the client must resync in full
  std::vector<imap::SequenceSet::Interval> range;
  if (ix.uid_next() > 1) {
    if (q.known_uids) range = q.known_uids->resolve(ix.uid_next() - 1);
    else range.emplace_back(1, ix.uid_next() - 1);
  }
  vanished_earlier(range, q.modseq);
  auto in_known = [&](uint32_t u) { return !q.known_uids || q.known_uids->contains(u, ix.uid_next() - 1); };
  for (size_t i = 0; i < sel_->uids.size(); ++i) {
    const auto* m = ix.find(sel_->uids[i], i);
    if (!m || m->modseq <= q.modseq || !in_known(m->uid)) continue;
    out_.line("* " + std::to_string(i + 1) + " FETCH (UID " + std::to_string(m->uid) + " FLAGS " +
              flags_text(m->uid, m->flags()) + " " + modseq_item(*m) + ")");
  }
}

}  // namespace posta::imapd
