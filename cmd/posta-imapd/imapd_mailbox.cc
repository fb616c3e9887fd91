// Authenticated state: mailbox management, SELECT/EXAMINE, STATUS, APPEND, NAMESPACE, QUOTA
// (LIST and LSUB: imapd_list.cc).
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "imapd_fts.h"
#include "imapd_session.h"
#include "log/log.h"
#include "maildir/quota.h"
#include "mailstore/recent.h"

namespace posta::imapd {
namespace {

// reserve(n), its pages faulted in by one madvise(), not one fault per 4 KB (tens of us each
// on our VMs; 300 pages, a third of the SELECT of a 100,000-message folder).
template <typename T>
void reserve_populated(std::vector<T>& v, size_t n) {
  v.reserve(n);
  uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  uintptr_t lo = (reinterpret_cast<uintptr_t>(v.data()) + page - 1) & ~(page - 1);
  uintptr_t hi = reinterpret_cast<uintptr_t>(v.data() + n) & ~(page - 1);
  if (hi > lo) (void)::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
}

}  // namespace

std::string Session::name_in(const std::string& raw) const {
  return utf8_names_ ? mailstore::utf8_to_mutf7(raw) : raw;
}

std::string Session::name_out(const std::string& stored) const {
  if (!utf8_names_) return imap::quote(stored);
  auto u = mailstore::mutf7_to_utf8(stored);
  return u ? imap::quote(*u, true) : imap::quote(stored);
}

std::optional<std::string> Session::mailbox_arg(const std::string& tag, Parser& p) {
  auto raw = p.astring();
  if (!raw) {
    bad(tag, "Missing or invalid mailbox name");
    return std::nullopt;
  }
  auto name = mailstore::check_mailbox_name(name_in(*raw));
  if (!name) {
    no(tag, "[CANNOT] Invalid mailbox name: " + name.error().what);
    return std::nullopt;
  }
  return *name;
}

// LIST (RFC 3501, with LIST-EXTENDED, RFC 5258, and SPECIAL-USE, RFC 6154) and LSUB.
void Session::cmd_create(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing mailbox name");
  auto raw = p.astring();
  if (!raw) return bad(tag, "Missing mailbox name");
  std::string n = name_in(*raw);
  if (!n.empty() && n.back() == '.') n.pop_back();  // "foo." declares a hierarchy: same as foo
  std::string use;  // CREATE-SPECIAL-USE (RFC 6154 3): "(USE (\\Junk))"
  if (p.sp()) {
    if (!p.skip('(') || !p.skip_word("USE") || !p.sp()) return bad(tag, "Invalid CREATE parameters");
    auto f = p.flag_list();
    if (!f || !p.skip(')') || f->empty()) return bad(tag, "Invalid USE attributes");
    if (f->size() > 1) return no(tag, "[USEATTR] One special-use attribute per mailbox");
    use = mailstore::supported_special_use((*f)[0]);
    if (use.empty()) return no(tag, "[USEATTR] Unsupported special-use attribute " + (*f)[0]);
  }
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  auto name = mailstore::check_mailbox_name(n);
  if (!name) return no(tag, "[CANNOT] Invalid mailbox name: " + name.error().what);
  auto box = resolve(*name);
  if (box && box->shared()) {
    // A child of a shared folder, in the owner's store: the 'k' right on its parent.
    size_t dot = box->folder.rfind(mailstore::kDelimiter);
    auto parent = dot == std::string::npos ? std::nullopt : resolve(name->substr(0, name->size() - (box->folder.size() - dot)));
    if (!parent || !parent->visible()) return no(tag, "[NOPERM] Permission denied: mailboxes can only be created inside a shared folder");
    if (box->visible()) return no(tag, "[ALREADYEXISTS] Mailbox already exists");
    if (!parent->rights.has('k')) return no_right(tag, 'k', "CREATE");
    if (box->exists) return no(tag, "[NOPERM] Permission denied: a mailbox of that name exists");
    if (!use.empty()) return no(tag, "[USEATTR] Special-use attributes are for your own mailboxes");
    if (auto s = mailstore::Folders(box->maildir).create(box->folder); !s) return no(tag, "[CANNOT] " + s.error().what);
    return ok(tag, "CREATE completed");
  }
  if (!box) return no(tag, "[CANNOT] Names under \"" + std::string(kOtherUsers) + "\" are other users' shared folders");
  if (*name == "INBOX" || folders_->exists(*name)) return no(tag, "[ALREADYEXISTS] Mailbox already exists");
  if (auto s = folders_->create(*name); !s) return no(tag, "[CANNOT] " + s.error().what);
  if (!use.empty())
    if (auto s = folders_->set_special_use(*name, use); !s) return no(tag, "[CANNOT] " + s.error().what);
  ok(tag, "CREATE completed");
}

void Session::cmd_delete(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing mailbox name");
  auto name = mailbox_arg(tag, p);
  if (!name) return;
  auto box = resolve(*name);
  if (!box || !box->visible()) return no(tag, "[NONEXISTENT] No such mailbox");
  if (box->folder == "INBOX") return no(tag, "[CANNOT] INBOX cannot be deleted");
  if (!box->rights.has('x')) return no_right(tag, 'x', "DELETE");
  if (sel_ && sel_->name == *name) close_mailbox(false);
  if (!keep_folder_if_held(*box)) return no(tag, "[SERVERBUG] Unable to keep the messages of a mailbox under legal hold");
  if (auto s = mailstore::Folders(box->maildir).remove(box->folder); !s) return no(tag, "[CANNOT] " + s.error().what);
  (void)folders_->subscribe(*name, false);
  if (auto s = mailstore::share_folder_renamed(posta_home(), box->shared() ? box->owner : user_, box->folder, ""); !s)
    log::warning("shared folder index after DELETE of ", box->folder, ": ", s.error().what);
  ok(tag, "DELETE completed");
}

void Session::cmd_rename(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing mailbox names");
  auto from = mailbox_arg(tag, p);
  if (!from) return;
  if (!p.sp()) return bad(tag, "Missing new mailbox name");
  auto to = mailbox_arg(tag, p);
  if (!to) return;
  auto src = resolve(*from), dst = resolve(*to);
  if (!src || !src->visible()) return no(tag, "[NONEXISTENT] No such mailbox");
  if (src->shared() || !dst || dst->shared() || *to == kOtherUsers)
    return no(tag, "[NOPERM] Permission denied: only the owner renames her folders, within her own mailboxes");
  if (*to == "INBOX" || folders_->exists(*to)) return no(tag, "[ALREADYEXISTS] Target mailbox exists");
  if (to->compare(0, from->size() + 1, *from + ".") == 0) return no(tag, "[CANNOT] Cannot rename a mailbox into itself");
  if (sel_ && sel_->name == *from) close_mailbox(false);
  if (auto s = folders_->rename(*from, *to); !s) return no(tag, "[CANNOT] " + s.error().what);
  if (*from != "INBOX") {
    if (auto s = mailstore::share_folder_renamed(posta_home(), user_, *from, *to); !s)
      log::warning("shared folder index after RENAME of ", *from, ": ", s.error().what);
    auto subs = folders_->subscriptions();
    for (auto& s : subs)
      if (s == *from || s.compare(0, from->size() + 1, *from + ".") == 0) {
        (void)folders_->subscribe(s, false);
        (void)folders_->subscribe(*to + s.substr(from->size()), true);
      }
  }
  ok(tag, "RENAME completed");
}

void Session::cmd_subscribe(const std::string& tag, Parser& p, bool on) {
  if (!p.sp()) return bad(tag, "Missing mailbox name");
  auto name = mailbox_arg(tag, p);
  if (!name) return;
  if (on) {
    auto box = resolve(*name);
    if (!box || !box->visible()) return no(tag, "[NONEXISTENT] No such mailbox");
  }
  if (auto s = folders_->subscribe(*name, on); !s) return no(tag, "[SERVERBUG] " + s.error().what);
  ok(tag, on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

std::optional<std::vector<std::string>> Session::status_items(Parser& p) {
  static const std::set<std::string, std::less<>> known = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY",
                                                           "UNSEEN", "SIZE", "HIGHESTMODSEQ", "DELETED"};
  if (!p.skip('(')) return std::nullopt;
  std::vector<std::string> items;
  while (p.peek() != ')' && !p.at_end()) {
    auto a = p.atom();
    if (!a || !known.contains(posta::upper(*a))) return std::nullopt;
    items.push_back(posta::upper(*a));
    if (p.peek() == ' ') p.sp();
  }
  if (!p.skip(')') || items.empty()) return std::nullopt;
  return items;
}

std::optional<std::string> Session::status_text(const MailboxRef& box, const std::vector<std::string>& items,
                                                std::string& error) {
  auto ix = mailstore::MailboxIndex::open(box.dir);
  if (!ix) {
    error = ix.error().what;
    return std::nullopt;
  }
  auto msgs = ix->messages();
  std::string out;
  for (auto& it : items) {
    uint64_t v = 0;
    if (it == "MESSAGES") v = msgs.size();
    else if (it == "RECENT") {
      uint32_t mark = mailstore::recent_mark(ix->folder(), ix->uid_validity());
      v = std::count_if(msgs.begin(), msgs.end(), [&](auto& m) { return m.uid > mark; });
    }
    else if (it == "UIDNEXT") v = ix->uid_next();
    else if (it == "UIDVALIDITY") v = ix->uid_validity();
    else if (it == "UNSEEN") v = std::count_if(msgs.begin(), msgs.end(), [](auto& m) { return !m.has_flag('S'); });
    else if (it == "DELETED") v = std::count_if(msgs.begin(), msgs.end(), [](auto& m) { return m.has_flag('T'); });
    else if (it == "SIZE") for (auto& m : msgs) v += m.vsize ? m.vsize : m.size;
    else if (it == "HIGHESTMODSEQ") enable_condstore(), v = ix->highest_modseq();
    out += (out.empty() ? "" : " ") + it + " " + std::to_string(v);
  }
  return out;
}

void Session::cmd_status(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing mailbox name");
  auto name = mailbox_arg(tag, p);
  if (!name) return;
  if (!p.sp()) return bad(tag, "Missing status items");
  auto items = status_items(p);
  if (!items || !p.at_end()) return bad(tag, "Invalid or unknown status items");
  auto box = resolve(*name);
  if (!box || !box->visible()) return no(tag, "[NONEXISTENT] No such mailbox");
  if (!box->rights.has('r')) return no_right(tag, 'r', "STATUS");
  std::string err;
  auto text = status_text(*box, *items, err);
  if (!text) return no(tag, "[SERVERBUG] " + err);
  out_.line("* STATUS " + name_out(*name) + " (" + *text + ")");
  ok(tag, "STATUS completed");
}

void Session::cmd_select(const std::string& tag, Parser& p, bool read_only) {
  if (!p.sp()) return bad(tag, "Missing mailbox name");
  auto name = mailbox_arg(tag, p);
  if (!name) return;
  imap::SelectParams params;
  if (p.sp()) {
    auto sp = p.select_params();
    if (!sp) return bad(tag, "Invalid SELECT parameters: " + p.error());
    params = std::move(*sp);
  }
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  // QRESYNC needs ENABLE QRESYNC first (RFC 7162 3.2.5).
  if (params.qresync && !qresync_) return bad(tag, "QRESYNC is not enabled");
  if (sel_) {
    close_mailbox(false);
    out_.line("* OK [CLOSED] Previous mailbox closed");
  }
  auto box = resolve(*name);
  if (!box || !box->visible()) return no(tag, "[NONEXISTENT] No such mailbox");
  if (!box->rights.has('r')) return no_right(tag, 'r', read_only ? "EXAMINE" : "SELECT");
  auto ix = mailstore::MailboxIndex::open(box->dir);
  if (!ix) return no(tag, "[SERVERBUG] " + ix.error().what);
  Selected s;
  s.name = *name;
  // Without any right that changes it, the mailbox is read-only (RFC 4314 4).
  auto& r = box->rights;
  s.read_only = read_only || !(r.has('s') || r.has('w') || r.has('t') || r.has('e'));
  s.ref = std::move(*box);
  s.index = std::make_unique<mailstore::MailboxIndex>(std::move(*ix));
  auto w = mailstore::Watcher::watch(s.ref.dir);
  if (w) s.watcher = std::move(*w);
  s.dirty = false;
  uint32_t first_unseen = 0;
  reserve_populated(s.uids, s.index->messages().size());
  reserve_populated(s.flags, s.index->messages().size());
  for (auto& m : s.index->messages()) {
    s.uids.push_back(m.uid);
    s.flags.push_back(m.flags_set);
    if (!first_unseen && !m.has_flag('S')) first_unseen = static_cast<uint32_t>(s.uids.size());
  }
  sel_ = std::move(s);
  take_recent(0);
  sel_->synced_generation = sel_->index->generation();
  tell_flags();
  out_.line("* " + std::to_string(sel_->uids.size()) + " EXISTS");
  if (!rev2_) {  // IMAP4rev2 has neither (RFC 9051 appendix E)
    out_.line("* " + std::to_string(sel_->recent.size()) + " RECENT");
    if (first_unseen) out_.line("* OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen");
  }
  out_.line("* OK [UIDVALIDITY " + std::to_string(sel_->index->uid_validity()) + "] UIDs valid");
  out_.line("* OK [UIDNEXT " + std::to_string(sel_->index->uid_next()) + "] Predicted next UID");
  // Every folder keeps modseqs: HIGHESTMODSEQ on every SELECT (RFC 7162 3.1.2.1), never NOMODSEQ.
  out_.line("* OK [HIGHESTMODSEQ " + std::to_string(sel_->index->highest_modseq()) + "] Highest");
  if (params.condstore) condstore_ = true;
  if (params.qresync) qresync_select(*params.qresync);
  ok(tag, std::string(sel_->read_only ? "[READ-ONLY] " : "[READ-WRITE] ") + (read_only ? "EXAMINE" : "SELECT") + " completed");
}

void Session::cmd_namespace(const std::string& tag) {
  // Personal, Other Users (RFC 4314 shared folders), no Shared (public) namespace.
  out_.line("* NAMESPACE ((\"\" \".\")) ((\"" + std::string(kOtherUsers) + ".\" \".\")) NIL");
  ok(tag, "NAMESPACE completed");
}

// The quota of the mailbox's owner (the user's own for her folders).
bool Session::over_quota(const MailboxRef& to, uint64_t bytes, uint64_t count) {
  auto limit = maildir::quota_from_env(to.quota.c_str());
  if (!limit || limit->unlimited()) return false;
  maildir::Quota q(to.maildir, *limit);
  auto r = q.would_exceed(bytes, count, ::time(nullptr));
  return r && *r;
}

void Session::count_in_quota(const MailboxRef& to, int64_t bytes, int64_t count) {
  auto limit = maildir::quota_from_env(to.quota.c_str());
  if (limit && ::access((to.maildir + "/maildirsize").c_str(), F_OK) == 0)
    (void)maildir::Quota(to.maildir, *limit).add(bytes, count);
}

void Session::cmd_quota(const std::string& tag, Parser& p, const std::string& cmd) {
  if (cmd == "SETQUOTA") return no(tag, "[NOPERM] Quotas are set by the administrator");
  if (!p.sp()) return bad(tag, "Missing argument");
  auto arg = p.astring();
  if (!arg || !p.at_end()) return bad(tag, "Invalid argument");
  if (cmd == "GETQUOTAROOT") {
    auto name = mailstore::check_mailbox_name(name_in(*arg));
    auto box = name ? resolve(*name) : std::nullopt;
    if (!box || !box->visible()) return no(tag, "[NONEXISTENT] No such mailbox");
    if (box->shared()) {  // the owner's quota is hers to see
      out_.line("* QUOTAROOT " + name_out(*name));
      return ok(tag, cmd + " completed");
    }
    out_.line("* QUOTAROOT " + name_out(*name) + " \"\"");
  } else if (!arg->empty()) {
    return no(tag, "[NONEXISTENT] No such quota root");
  }
  auto limit = maildir::quota_from_env(std::getenv("POSTA_QUOTA"));
  if (limit && !limit->unlimited()) {
    maildir::Quota q(maildir_, *limit);
    auto u = q.usage(::time(nullptr));
    if (!u) return no(tag, "[UNAVAILABLE] Quota not available");
    std::string res;
    if (limit->bytes)
      res += "STORAGE " + std::to_string((std::max<int64_t>(u->bytes, 0) + 1023) / 1024) + " " + std::to_string(limit->bytes / 1024);
    if (limit->messages)
      res += std::string(res.empty() ? "" : " ") + "MESSAGE " + std::to_string(std::max<int64_t>(u->messages, 0)) + " " + std::to_string(limit->messages);
    out_.line("* QUOTA \"\" (" + res + ")");
  } else if (cmd == "GETQUOTA") {
    return no(tag, "[NONEXISTENT] No quota");
  }
  ok(tag, cmd + " completed");
}

void Session::cmd_append(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing mailbox name");
  auto name = mailbox_arg(tag, p);
  if (!name) return;
  struct Item { std::string letters_src; std::vector<std::string> flags; time_t date = 0; std::string data; };
  std::vector<Item> items;
  while (p.sp()) {
    Item it;
    if (p.peek() == '(') {
      auto f = p.flag_list();
      if (!f || !p.sp()) return bad(tag, "Invalid APPEND flags");
      it.flags = *f;
    }
    if (p.peek() == '"') {
      auto d = p.date_time();
      if (!d || !p.sp()) return bad(tag, "Invalid APPEND date-time");
      it.date = *d;
    }
    // UTF8 (~{n}...) of RFC 6855 (UTF8=ACCEPT): the message as it is.
    bool utf8 = p.skip_word("UTF8");
    if (utf8 && (!p.sp() || !p.skip('('))) return bad(tag, "Invalid APPEND UTF8 data");
    auto lit = p.string();
    if (!lit) return bad(tag, "APPEND needs a literal");
    if (utf8 && !p.skip(')')) return bad(tag, "Invalid APPEND UTF8 data");
    it.data = std::move(*lit);
    items.push_back(std::move(it));
  }
  if (items.empty() || !p.at_end()) return bad(tag, "Invalid APPEND arguments");
  auto box = resolve(*name);
  if (!box || !box->visible()) return no(tag, "[TRYCREATE] No such mailbox");
  if (!box->rights.has('i')) return no_right(tag, 'i', "APPEND");
  uint64_t total = 0;
  for (auto& it : items) {
    if (it.data.empty()) return no(tag, "Empty message refused");
    total += it.data.size();
  }
  if (over_quota(*box, total, items.size())) return no(tag, "[OVERQUOTA] Quota exceeded");
  std::unique_ptr<mailstore::MailboxIndex> own;
  mailstore::MailboxIndex* ix = nullptr;
  if (sel_ && sel_->name == *name) {
    ix = sel_->index.get();
  } else {
    auto o = mailstore::MailboxIndex::open(box->dir);
    if (!o) return no(tag, "[SERVERBUG] " + o.error().what);
    own = std::make_unique<mailstore::MailboxIndex>(std::move(*o));
    ix = own.get();
  }
  std::string uids;
  for (auto& it : items) {
    std::string err;
    // keywords are allocated in the target mailbox
    std::string letters;
    for (auto& f : it.flags) {
      if (f == "\\Recent" || f == "\\recent") continue;
      // Flags the user may not set are dropped (RFC 4314 4: APPEND).
      if (f[0] == '\\') {
        char c = mailstore::system_flag_letter(f);
        if (!c) return bad(tag, "Unknown system flag " + f);
        if (box->rights.has(c == 'S' ? 's' : c == 'T' ? 't' : 'w')) letters += c;
      } else if (box->rights.has('w')) {
        auto l = ix->letter_for(f, true);
        if (l) letters += *l;
      }
    }
    auto uid = ix->add(it.data, letters, it.date ? it.date : ::time(nullptr));
    if (!uid) {
      log::error("APPEND to ", *name, " for ", user_, ": ", uid.error().what);
      return no(tag, uid.error().code == ENOSPC || uid.error().code == EDQUOT ? "[OVERQUOTA] Disk full" : "[SERVERBUG] Could not store message");
    }
    uids += (uids.empty() ? "" : ",") + std::to_string(*uid);
  }
  count_in_quota(*box, static_cast<int64_t>(total), static_cast<int64_t>(items.size()));
  if (sel_ && sel_->name == *name) sel_->dirty = true;
  ok(tag, "[APPENDUID " + std::to_string(ix->uid_validity()) + " " + uids + "] APPEND completed");
  note_changed(*ix);
}

}  // namespace posta::imapd
