// Selected state: keeping this session's view in step with the folder, EXPUNGE, CLOSE,
// COPY/MOVE and IDLE.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "imapd_fts.h"
#include "imapd_session.h"
#include "log/log.h"
#include "control/control.h"
#include "maildir/quota.h"
#include "mailstore/recent.h"
#include "spam/learn_queue.h"

namespace posta::imapd {

// Reports what changed since the last sync: EXPUNGE (only when allowed: never during a
// sequence-number FETCH/STORE/SEARCH), EXISTS/RECENT for new messages, FETCH FLAGS for
// flag changes made by other sessions.
void Session::sync(bool allow_expunge) {
  Selected& s = *sel_;
  if (s.watcher && s.watcher->drain()) s.dirty = true;
  if (s.dirty) {
    if (auto r = s.index->refresh(); !r) log::warning("refresh ", s.name, ": ", r.error().what);
    s.dirty = false;
  }
  // Nothing changed in the index since the last complete sync: skip the O(n) comparison.
  if (s.index->generation() == s.synced_generation) return;
  auto msgs = s.index->messages();
  if (allow_expunge) {
    std::vector<uint32_t> vanished;  // after ENABLE QRESYNC: one VANISHED, no EXPUNGE (RFC 7162 3.2.10)
    for (size_t i = s.uids.size(); i-- > 0;) {
      if (s.index->find(s.uids[i])) continue;
      if (qresync_) vanished.push_back(s.uids[i]);
      else out_.line("* " + std::to_string(i + 1) + " EXPUNGE");
      s.flags.erase(s.flags.begin() + static_cast<long>(i));
      if (auto r = std::lower_bound(s.recent.begin(), s.recent.end(), s.uids[i]);
          r != s.recent.end() && *r == s.uids[i])
        s.recent.erase(r);
      s.uids.erase(s.uids.begin() + static_cast<long>(i));
    }
    std::reverse(vanished.begin(), vanished.end());
    if (!vanished.empty()) out_.line("* VANISHED " + imap::format_set(vanished));
  }
  uint32_t last = s.uids.empty() ? 0 : s.uids.back();
  size_t before = s.uids.size();
  for (auto& m : msgs) {
    if (m.uid <= last) continue;
    s.uids.push_back(m.uid);
    s.flags.push_back(m.flags_set);
  }
  if (s.uids.size() != before) {
    take_recent(before);
    out_.line("* " + std::to_string(s.uids.size()) + " EXISTS");
    if (!rev2_) out_.line("* " + std::to_string(s.recent.size()) + " RECENT");
  }
  for (size_t i = 0; i < before && i < s.uids.size(); ++i) {
    const auto* m = s.index->find(s.uids[i]);
    if (!m) continue;
    auto& known = s.flags[i];
    if (known == m->flags_set) continue;
    known = m->flags_set;
    out_.line("* " + std::to_string(i + 1) + " FETCH (UID " + std::to_string(m->uid) + " FLAGS " +
              flags_text(m->uid, m->flags()) + (condstore_ ? " " + modseq_item(*m) : "") + ")");
  }
  // Expunges still to report keep the sync incomplete.
  if (s.uids.size() == s.index->messages().size()) s.synced_generation = s.index->generation();
}

void Session::take_recent(size_t first) {
  Selected& s = *sel_;
  if (first >= s.uids.size()) return;
  if (!s.read_only) {
    std::vector<uint32_t> in_new;  // claim_new() may rescan: no iterating messages() across it
    for (size_t i = first; i < s.uids.size(); ++i)
      if (const auto* m = s.index->find(s.uids[i], i); m && m->in_new()) in_new.push_back(m->uid);
    for (uint32_t uid : in_new) (void)s.index->claim_new(uid);
  }
  // EXAMINE only looks: what is above the mark would be recent for the next SELECT.
  uint32_t mark = 0;
  if (s.read_only) {
    mark = mailstore::recent_mark(s.index->folder(), s.index->uid_validity());
  } else if (auto r = mailstore::claim_recent(s.index->folder(), s.index->uid_validity(), s.uids.back())) {
    mark = *r;
  } else {
    log::warning("recent ", s.name, ": ", r.error().what);
    mark = s.uids.back();  // nobody can tell: \Recent for none rather than for two sessions
  }
  auto from = std::upper_bound(s.uids.begin() + static_cast<long>(first), s.uids.end(), mark);
  s.recent.insert(s.recent.end(), from, s.uids.end());
}

void Session::close_mailbox(bool expunge) {
  if (expunge && !sel_->read_only && sel_->ref.rights.has('e')) {
    auto all = sel_->index->messages();
    bool removed = false;
    for (auto& m : std::vector<mailstore::MessageInfo>(all.begin(), all.end()))
      if (m.has_flag('T') && keep_if_held(m) && sel_->index->remove(m.uid)) removed = true;
    if (removed) note_changed(*sel_->index);
  }
  sel_.reset();
}

// The set comes normalised (sorted, merged): the result is ascending, without repeats, and
// never longer than the folder, whatever the command repeated.
std::vector<uint32_t> Session::resolve_set(const imap::SequenceSet& set, bool uid) const {
  std::vector<uint32_t> seqs;
  const auto& uids = sel_->uids;
  if (uids.empty()) return seqs;
  if (set.last_result) {  // "$": the saved UIDs still here, whether the command is UID or not
    for (uint32_t u : sel_->saved)
      if (auto it = std::lower_bound(uids.begin(), uids.end(), u); it != uids.end() && *it == u)
        seqs.push_back(static_cast<uint32_t>(it - uids.begin() + 1));
    return seqs;
  }
  if (!uid) {
    for (auto [lo, hi] : set.resolve(static_cast<uint32_t>(uids.size())))
      for (uint64_t n = lo; n <= hi; ++n) seqs.push_back(static_cast<uint32_t>(n));
    return seqs;
  }
  auto it = uids.begin();
  for (auto [lo, hi] : set.resolve(uids.back())) {
    it = std::lower_bound(it, uids.end(), lo);
    for (; it != uids.end() && *it <= hi; ++it) seqs.push_back(static_cast<uint32_t>(it - uids.begin() + 1));
  }
  return seqs;
}

std::vector<imap::SequenceSet::Interval> Session::uid_intervals(const imap::SequenceSet& set) const {
  if (!set.last_result) return set.resolve(sel_->index->uid_next() - 1);
  std::vector<imap::SequenceSet::Interval> out;
  for (uint32_t u : sel_->saved) out.emplace_back(u, u);
  return out;
}

void Session::tell_flags() {
  std::string kw;
  for (auto& k : sel_->index->keywords())
    if (!k.empty()) kw += " " + k;
  out_.line("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft" + kw + ")");
  // What this user may change (RFC 4314 4: s for \Seen, t for \Deleted, w for the rest).
  std::string perm;
  if (!sel_->read_only) {
    const auto& r = sel_->ref.rights;
    auto add = [&](bool on, std::string_view f) {
      if (on) perm += (perm.empty() ? "" : " ") + std::string(f);
    };
    add(r.has('w'), "\\Answered \\Flagged");
    add(r.has('t'), "\\Deleted");
    add(r.has('s'), "\\Seen");
    add(r.has('w'), "\\Draft" + kw + " \\*");
  }
  out_.line("* OK [PERMANENTFLAGS (" + perm + ")] Flags permitted");
  sel_->keywords_told = sel_->index->keywords();
  sel_->keywords_version_told = sel_->index->keywords_version();
}

void Session::tell_new_keywords() {
  if (sel_->index->keywords_version() == sel_->keywords_version_told) return;
  if (sel_->index->keywords() != sel_->keywords_told) tell_flags();
  sel_->keywords_version_told = sel_->index->keywords_version();
}

std::string Session::flags_text(uint32_t uid, const std::string& letters) {
  tell_new_keywords();
  std::string out = "(";
  auto add = [&](std::string_view n) {
    if (n.empty()) return;
    if (out.size() > 1) out += ' ';
    out += n;
  };
  const auto& keywords = sel_->index->keywords();
  for (char c : letters) {
    size_t k = static_cast<size_t>(c - 'a');
    if (c >= 'a' && c <= 'z') add(k < keywords.size() ? std::string_view(keywords[k]) : std::string_view());
    else add(mailstore::system_flag_name(c));
  }
  if (!rev2_ && sel_->is_recent(uid)) add("\\Recent");
  out += ')';
  return out;
}

Result<std::string> Session::letters_from(const std::vector<std::string>& flags, bool allocate) {
  std::string letters;
  for (auto& f : flags) {
    if (f.empty()) continue;
    if (f[0] == '\\') {
      if (posta::upper(f) == "\\RECENT") continue;
      char c = mailstore::system_flag_letter(f);
      if (!c) return fail("Unknown system flag " + f);
      letters += c;
      continue;
    }
    auto l = sel_->index->letter_for(f, allocate);
    if (l) letters += *l;
    else if (allocate) return fail("[LIMIT] " + l.error().what);
  }
  return letters;
}

void Session::cmd_expunge(const std::string& tag, Parser& p, bool uid) {
  std::optional<imap::SequenceSet> set;
  if (uid) {
    if (!p.sp() || !(set = p.sequence_set())) return bad(tag, "Invalid UID EXPUNGE set");
  }
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  if (sel_->read_only) return no(tag, "[READ-ONLY] Mailbox is read-only");
  if (!sel_->ref.rights.has('e')) return no_right(tag, 'e', "EXPUNGE");
  sync(true);  // pick up flags set by others so the \Deleted view is current
  int64_t bytes = 0, count = 0;
  auto all = sel_->index->messages();
  for (auto& m : std::vector<mailstore::MessageInfo>(all.begin(), all.end())) {
    if (!m.has_flag('T')) continue;
    if (set && !(set->last_result ? sel_->is_saved(m.uid) : set->contains(m.uid, sel_->uids.empty() ? 0 : sel_->uids.back())))
      continue;
    if (keep_if_held(m) && sel_->index->remove(m.uid)) bytes += static_cast<int64_t>(m.size), ++count;
  }
  if (count) count_in_quota(sel_->ref, -bytes, -count);
  if (condstore_) sync(true);  // the VANISHED or EXPUNGE lines before the new HIGHESTMODSEQ
  ok(tag, (condstore_ ? "[HIGHESTMODSEQ " + std::to_string(sel_->index->highest_modseq()) + "] " : std::string()) +
              "EXPUNGE completed");
  if (count) note_changed(*sel_->index);
}

// Moving mail into or out of the \Junk folder teaches the spam filter unless the admin turned that off
// (control/spamlearn) or the user did (a file posta-nolearn in the Maildir).
bool Session::learning_wanted() const {
  return Control().flag("spamlearn", true) && ::access((maildir_ + "/posta-nolearn").c_str(), F_OK) != 0;
}

void Session::cmd_copy(const std::string& tag, Parser& p, bool uid, bool move) {
  if (!p.sp()) return bad(tag, "Missing sequence set");
  auto set = p.sequence_set();
  if (!set || !p.sp()) return bad(tag, "Invalid sequence set");
  auto name = mailbox_arg(tag, p);
  if (!name) return;
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  if (move && sel_->read_only) return no(tag, "[READ-ONLY] Mailbox is read-only");
  // MOVE takes the messages out: 't' and 'e' on the source (RFC 6851 3.3, RFC 4314 4).
  if (move && !sel_->ref.rights.has('t')) return no_right(tag, 't', "MOVE");
  if (move && !sel_->ref.rights.has('e')) return no_right(tag, 'e', "MOVE");
  auto to = resolve(*name);
  if (!to || !to->visible()) return no(tag, "[TRYCREATE] No such mailbox");
  if (!to->rights.has('i')) return no_right(tag, 'i', move ? "MOVE into it" : "COPY into it");
  auto seqs = resolve_set(*set, uid);
  auto target = mailstore::MailboxIndex::open(to->dir);
  if (!target) return no(tag, "[SERVERBUG] " + target.error().what);
  uint64_t bytes = 0;
  for (uint32_t seq : seqs)
    if (auto* m = sel_->index->find(sel_->uids[seq - 1])) bytes += m->size;
  // A move within one owner's store leaves her usage as it was.
  bool same_store = to->maildir == sel_->ref.maildir;
  if ((!move || !same_store) && over_quota(*to, bytes, seqs.size())) return no(tag, "[OVERQUOTA] Quota exceeded");
  std::string src, dst;
  std::vector<uint32_t> moved;
  spam::LearnAs learn_as;
  bool teach = sel_->name != *name &&
               spam::move_teaches(folders_->special_use_of(sel_->name), folders_->special_use_of(*name), learn_as) &&
               learning_wanted();
  for (uint32_t seq : seqs) {
    uint32_t u = sel_->uids[seq - 1];
    const auto* m = sel_->index->find(u);
    if (!m) continue;  // expunged by another session meanwhile
    // keywords: translate letters by name into the target's letters
    std::string letters;
    for (char c : m->flags()) {
      // Flags the user may not set in the target are left off (RFC 4314 4: COPY).
      if (!to->rights.has(c == 'S' ? 's' : c == 'T' ? 't' : 'w')) continue;
      if (c >= 'a' && c <= 'z') {
        auto l = target->letter_for(sel_->index->keyword_of(c), true);
        if (l) letters += *l;
      } else {
        letters += c;
      }
    }
    auto nu = target->add_file(sel_->index->path(*m), letters);
    if (!nu && nu.error().code == ENOENT) {
      sel_->dirty = true;
      continue;
    }
    if (!nu) return no(tag, "[SERVERBUG] " + nu.error().what);
    if (teach) {
      if (auto r = spam::request_learning(posta_home(), user_, learn_as, sel_->index->path(*m)); !r)
        log::warning(user_, ": learning request not recorded: ", r.error().what);
    }
    src += (src.empty() ? "" : ",") + std::to_string(u);
    dst += (dst.empty() ? "" : ",") + std::to_string(*nu);
    moved.push_back(u);
  }
  if (!moved.empty() && (!move || !same_store)) {
    count_in_quota(*to, static_cast<int64_t>(bytes), static_cast<int64_t>(moved.size()));
    if (move) count_in_quota(sel_->ref, -static_cast<int64_t>(bytes), -static_cast<int64_t>(moved.size()));
  }
  std::string code = src.empty() ? "" : "[COPYUID " + std::to_string(target->uid_validity()) + " " + src + " " + dst + "] ";
  if (sel_->name == *name) sel_->dirty = true;
  if (!move) {
    ok(tag, code + "COPY completed");
  } else {
    out_.line("* OK " + code + "Moved");
    for (uint32_t u : moved) (void)sel_->index->remove(u);
    ok(tag, "MOVE completed");
    if (!moved.empty()) note_changed(*sel_->index);
  }
  if (!moved.empty()) note_changed(*target);
}

void Session::cmd_idle(const std::string& tag, bool resumed) {
  // Time in IDLE does not count towards the session limit; each IDLE has its own bound.
  struct NotCounted {
    LineReader& in;
    Deadline saved = in.deadline();
    Deadline::Clock::time_point start = Deadline::Clock::now();
    explicit NotCounted(LineReader& i) : in(i) { in.set_deadline(Deadline{}); }
    ~NotCounted() {
      saved.extend(Deadline::Clock::now() - start);
      in.set_deadline(saved);
    }
  } not_counted{in_};
  using Clock = std::chrono::steady_clock;
  const int64_t session_left_ms =
      not_counted.saved.never() ? -1 : not_counted.saved.cap(std::chrono::milliseconds(INT64_MAX / 4)).count();
  if (!resumed) out_.line("+ idling");
  if (sel_) sync(true);
  if (!out_.flush()) { logout_ = true; return; }
  auto deadline = resumed ? resume_idle_end_ : Clock::now() + std::chrono::seconds(cfg_.idle_timeout);
  // Hibernation is tried once the IDLE has gone on this long (after a failure: twice as long).
  auto hibernate_after = std::chrono::seconds(cfg_.hibernate_timeout);
  auto hibernate_at = Clock::now() + hibernate_after;
  for (;;) {
    if (in_.buffered() == 0) {
      pollfd fds[2] = {{0, POLLIN, 0}, {sel_ && sel_->watcher ? sel_->watcher->fd() : -1, POLLIN, 0}};
      auto now = Clock::now();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (left.count() <= 0) {
        out_.line("* BYE Autologout; idle for too long");
        logout_ = true;
        return;
      }
      if (cfg_.hibernate_timeout > 0 && now >= hibernate_at) {
        if (try_hibernate(tag, deadline, session_left_ms)) {
          hibernated_ = logout_ = true;
          return;
        }
        hibernate_after = std::min<std::chrono::seconds>(hibernate_after * 2, std::chrono::minutes(10));
        hibernate_at = Clock::now() + hibernate_after;
        continue;  // the attempt synced: anything new was sent
      }
      // Also wake up every few seconds: changes by processes on other hosts (NFS) or missed events.
      auto wait = std::min<long>(left.count(), 30000);
      if (cfg_.hibernate_timeout > 0)
        wait = std::min<long>(wait, std::chrono::ceil<std::chrono::milliseconds>(hibernate_at - now).count());
      int r = ::poll(fds, 2, static_cast<int>(std::max(0L, wait)));
      if (r < 0 && errno != EINTR) { logout_ = true; return; }
      if (r == 0 || (fds[1].revents & POLLIN)) {
        if (sel_) {
          if (r == 0) sel_->dirty = true;
          sync(true);
          if (!out_.flush()) { logout_ = true; return; }
        }
        continue;
      }
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    }
    Line l = in_.read_line();
    if (l.status != Line::Status::kOk) { logout_ = true; return; }
    if (posta::upper(l.text) == "DONE") return ok(tag, "IDLE terminated");
    return bad(tag, "Expected DONE");
  }
}

}  // namespace posta::imapd
