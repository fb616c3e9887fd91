// FETCH and STORE.
#include <sys/stat.h>

#include <algorithm>

#include "imap/structure.h"
#include "imapd_session.h"
#include "io/fd.h"
#include "log/log.h"
#include "mailstore/names.h"
#include "base/base64.h"
#include "mime/decode.h"
#include "mime/message.h"

namespace posta::imapd {
namespace {

// The header lines of block whose field names are (or, with exclude, are not) in names.
std::string filter_headers(std::string_view block, const std::vector<std::string>& names, bool exclude) {
  return mime::select_header_lines(block, [&](std::string_view name) {
    bool listed = std::find(names.begin(), names.end(), posta::upper(std::string(name))) != names.end();
    return listed != exclude;
  }) + "\r\n";
}

}  // namespace

bool Session::load(uint32_t uid, Loaded& m) {
  if (m.uid == uid && !m.data.empty()) return true;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto* mi = sel_->index->find(uid);
    if (!mi) return false;
    auto data = read_file(sel_->index->path(*mi), 1ull << 31);
    if (data) {
      m.uid = uid;
      m.data = mime::to_crlf(*data);
      m.root.reset();
      size_cache_[std::string(sel_->index->base(*mi))] = m.data.size();
      return true;
    }
    if (data.error().code != ENOENT) break;
    (void)sel_->index->refresh();  // renamed by a flag change in another session
  }
  return false;
}

uint64_t Session::rfc822_size(const mailstore::MessageInfo& mi) {
  if (mi.vsize) return mi.vsize;
  auto it = size_cache_.find(std::string(sel_->index->base(mi)));
  if (it != size_cache_.end()) return it->second;
  uint64_t fallback = mi.size;  // load() may rescan and invalidate mi
  Loaded m;
  if (!load(mi.uid, m)) return fallback;
  return m.data.size();
}

time_t Session::internal_date(const mailstore::MessageInfo& mi) {
  struct stat st{};
  if (::stat(sel_->index->path(mi).c_str(), &st) == 0) return st.st_mtime;
  return 0;
}

std::string Session::fetch_item(uint32_t seq, const imap::FetchAtt& a, Loaded& m, bool& set_seen) {
  using K = imap::FetchAtt::Kind;
  uint32_t uid = sel_->uids[seq - 1];
  const auto* mi = sel_->index->find(uid, seq - 1);
  if (!mi) return "";  // an earlier item's load() rescanned: expunged elsewhere meanwhile
  switch (a.kind) {
    case K::kFlags: return "FLAGS " + flags_text(uid, mi->flags());
    case K::kUid: return "UID " + std::to_string(uid);
    case K::kInternalDate: return "INTERNALDATE \"" + imap_date(internal_date(*mi)) + "\"";
    case K::kRfc822Size: return "RFC822.SIZE " + std::to_string(rfc822_size(*mi));
    case K::kModseq: return modseq_item(*mi);
    default: break;
  }
  if (!load(uid, m)) return "";
  const mime::Part& root = m.part();
  std::string_view data = m.data;
  switch (a.kind) {
    case K::kEnvelope: return "ENVELOPE " + imap::envelope(root.headers);
    case K::kBody: return "BODY " + imap::body_structure(root, false);
    case K::kBodyStructure: return "BODYSTRUCTURE " + imap::body_structure(root, true);
    case K::kRfc822: set_seen = true; return "RFC822 " + imap::literal(data);
    case K::kRfc822Header: return "RFC822.HEADER " + imap::literal(data.substr(0, root.body_start));
    case K::kRfc822Text: set_seen = true; return "RFC822.TEXT " + imap::literal(data.substr(root.body_start));
    default: break;
  }
  if (a.kind == K::kBinary || a.kind == K::kBinarySize) return binary_item(a, m);
  if (!a.peek) set_seen = true;
  using Spec = imap::Section::Spec;
  const auto& s = a.section;
  std::string content;
  const mime::Part* part = s.part.empty() ? &root : mime::find_part(root, s.part);
  if (part) {
    // HEADER/TEXT of a part address the message inside a message/rfc822 part.
    const mime::Part* msg = part;
    if (!s.part.empty() && s.spec != Spec::kNone && s.spec != Spec::kMime)
      msg = part->rfc822() && !part->children.empty() ? &part->children[0] : nullptr;
    if (msg) {
      std::string_view header = data.substr(msg->header_start, msg->body_start - msg->header_start);
      switch (s.spec) {
        case Spec::kNone:
          content = s.part.empty() ? std::string(data) : std::string(data.substr(part->body_start, part->body_size()));
          break;
        case Spec::kHeader: content = std::string(header); break;
        case Spec::kText: content = std::string(data.substr(msg->body_start, msg->end - msg->body_start)); break;
        case Spec::kMime: content = std::string(data.substr(part->header_start, part->body_start - part->header_start)); break;
        case Spec::kHeaderFields: content = filter_headers(header, s.fields, false); break;
        case Spec::kHeaderFieldsNot: content = filter_headers(header, s.fields, true); break;
      }
    }
  }
  std::string name = "BODY[" + s.text() + "]";
  if (a.partial) {
    name += "<" + std::to_string(a.offset) + ">";
    content = a.offset >= content.size() ? std::string() : content.substr(a.offset, a.count);
  }
  return name + " " + imap::literal(content);
}

// BINARY[part] and BINARY.SIZE[part] (RFC 3516): the part's body with its
// Content-Transfer-Encoding undone; the whole message as it is for BINARY[]. Data with a
// NUL goes as a literal8. An encoding posta cannot undo gives nothing (the command then
// ends NO [UNKNOWN-CTE]).
std::string Session::binary_item(const imap::FetchAtt& a, Loaded& m) {
  const mime::Part& root = m.part();
  const auto& s = a.section;
  const mime::Part* part = s.part.empty() ? &root : mime::find_part(root, s.part);
  std::string content;
  if (part && s.part.empty()) {
    content = m.data;
  } else if (part && !part->multipart()) {
    std::string_view body = std::string_view(m.data).substr(part->body_start, part->body_size());
    std::string enc = posta::lower(part->encoding);
    if (enc == "base64") content = base64_decode_lenient(body);
    else if (enc == "quoted-printable") content = mime::qp_decode(body);
    else if (enc == "7bit" || enc == "8bit" || enc == "binary" || enc.empty()) content = std::string(body);
    else { unknown_cte_ = true; return ""; }
  }
  std::string name = std::string(a.kind == imap::FetchAtt::Kind::kBinarySize ? "BINARY.SIZE[" : "BINARY[") +
                     s.text() + "]";
  if (a.kind == imap::FetchAtt::Kind::kBinarySize) return name + " " + std::to_string(content.size());
  if (a.partial) {
    name += "<" + std::to_string(a.offset) + ">";
    content = a.offset >= content.size() ? std::string() : content.substr(a.offset, a.count);
  }
  if (content.find('\0') != std::string::npos) return name + " ~{" + std::to_string(content.size()) + "}\r\n" + content;
  return name + " " + imap::literal(content);
}

void Session::cmd_fetch(const std::string& tag, Parser& p, bool uid) {
  if (!p.sp()) return bad(tag, "Missing sequence set");
  auto set = p.sequence_set();
  if (!set || !p.sp()) return bad(tag, "Invalid sequence set: " + p.error());
  auto atts = p.fetch_atts();
  if (!atts) return bad(tag, "Invalid FETCH attributes: " + p.error());
  imap::FetchModifiers mods;
  if (p.sp()) {
    auto m = p.fetch_modifiers();
    if (!m) return bad(tag, "Invalid FETCH modifiers: " + p.error());
    mods = *m;
  }
  if (!p.at_end()) return bad(tag, "Unexpected FETCH arguments");
  // VANISHED: UID FETCH only, after ENABLE QRESYNC (RFC 7162 3.2.6).
  if (mods.vanished && (!uid || !qresync_)) return bad(tag, "VANISHED needs UID FETCH and ENABLE QRESYNC");
  using K = imap::FetchAtt::Kind;
  auto wants = [&](K k) { return std::any_of(atts->begin(), atts->end(), [k](auto& a) { return a.kind == k; }); };
  auto add_att = [&](K k) {
    imap::FetchAtt a;
    a.kind = k;
    atts->insert(k == K::kUid ? atts->begin() : atts->end(), a);
  };
  if (uid && !wants(K::kUid)) add_att(K::kUid);
  // CHANGEDSINCE implies MODSEQ (RFC 7162 3.1.4.1); both enable CONDSTORE.
  if (mods.changed_since && !wants(K::kModseq)) add_att(K::kModseq);
  if (wants(K::kModseq)) enable_condstore();
  if (mods.vanished) vanished_earlier(uid_intervals(*set), *mods.changed_since);
  bool wants_flags = wants(K::kFlags), wants_modseq = wants(K::kModseq);
  // Items that set \Seen (RFC 3501 6.4.5) do so before the items are built, so that FLAGS
  // and MODSEQ show the message after the change.
  bool sets_seen = !sel_->read_only && sel_->ref.rights.has('s') && std::any_of(atts->begin(), atts->end(), [](auto& a) {
    return a.kind == K::kRfc822 || a.kind == K::kRfc822Text || ((a.kind == K::kSection || a.kind == K::kBinary) && !a.peek);
  });
  Loaded m;
  std::string items, line;  // reused: a FETCH 1:* of a large folder builds 100,000 of each
  for (uint32_t seq : resolve_set(*set, uid)) {
    uint32_t u = sel_->uids[seq - 1];
    const auto* at = sel_->index->find(u, seq - 1);
    if (!at) continue;  // expunged elsewhere; reported at the next sync
    if (mods.changed_since && at->modseq <= *mods.changed_since) continue;
    items.clear();
    std::string seen_flags;  // the flags after setting \Seen here, unless asked for anyway
    if (sets_seen && !at->has_flag('S')) {
      auto nf = sel_->index->update_flags(u, [](const std::string& f) { return f + "S"; });
      if (nf) {
        sel_->flags[seq - 1] = mailstore::flag_bits(*nf);
        if (!wants_flags) seen_flags = " FLAGS " + flags_text(u, *nf);
        const auto* now = sel_->index->find(u, seq - 1);
        if (condstore_ && !wants_modseq && now) seen_flags += " " + modseq_item(*now);
      }
    }
    bool set_seen = false;
    for (auto& a : *atts) {
      std::string it = fetch_item(seq, a, m, set_seen);
      if (it.empty()) continue;
      if (!items.empty()) items += ' ';
      items += it;
    }
    items += seen_flags;
    line = "* ";
    line += std::to_string(seq);
    line += " FETCH (";
    line += items;
    line += ')';
    out_.line(line);
  }
  if (std::exchange(unknown_cte_, false)) return no(tag, "[UNKNOWN-CTE] A part's encoding is not known");
  ok(tag, uid ? "UID FETCH completed" : "FETCH completed");
}

void Session::cmd_store(const std::string& tag, Parser& p, bool uid) {
  if (!p.sp()) return bad(tag, "Missing sequence set");
  auto set = p.sequence_set();
  if (!set || !p.sp()) return bad(tag, "Invalid sequence set: " + p.error());
  std::optional<uint64_t> unchanged_since;
  if (p.peek() == '(') {
    unchanged_since = p.store_modifiers();
    if (!unchanged_since || !p.sp()) return bad(tag, "Invalid STORE modifier: " + p.error());
  }
  auto what = p.atom();
  if (!what || !p.sp()) return bad(tag, "Invalid STORE item");
  std::string w = posta::upper(*what);
  bool silent = w.size() > 7 && w.ends_with(".SILENT");
  if (silent) w.resize(w.size() - 7);
  char mode = w == "FLAGS" ? '=' : w == "+FLAGS" ? '+' : w == "-FLAGS" ? '-' : 0;
  if (!mode) return bad(tag, "Invalid STORE item " + w);
  auto flags = p.flag_list();
  if (!flags || !p.at_end()) return bad(tag, "Invalid flag list: " + p.error());
  if (sel_->read_only) return no(tag, "[READ-ONLY] Mailbox is read-only");
  if (unchanged_since) enable_condstore();
  // Each flag needs its right (RFC 4314 4: s for \Seen, t for \Deleted, w for the others);
  // FLAGS leaves the flags the user may not change as they are.
  const auto& rights = sel_->ref.rights;
  auto right_for = [](char letter) { return letter == 'S' ? 's' : letter == 'T' ? 't' : 'w'; };
  auto may = [&](char letter) { return rights.has(right_for(letter)); };
  for (auto& f : *flags) {
    char c = f.empty() || f[0] != '\\' ? 'a' : mailstore::system_flag_letter(f);
    if (c && !may(c))
      return no(tag, "[NOPERM] Permission denied: STORE of " + f + " needs the '" + right_for(c) +
                         "' right on this mailbox");
  }
  auto letters = letters_from(*flags, mode != '-');
  if (!letters) return no(tag, letters.error().what);
  tell_new_keywords();  // a keyword created here, even when .SILENT shows no FETCH
  std::vector<uint32_t> modified;  // failed UNCHANGEDSINCE: sequence numbers or UIDs
  for (uint32_t seq : resolve_set(*set, uid)) {
    uint32_t u = sel_->uids[seq - 1];
    if (!sel_->index->find(u)) continue;
    auto nf = sel_->index->update_flags(u, [&](const std::string& f) {
      std::string r;
      if (mode == '=') {  // the flags the user may not change stay as they are
        for (char c : f)
          if (!may(c)) r += c;
        for (char c : *letters)
          if (may(c)) r += c;
        return r;
      }
      if (mode == '+') return f + *letters;
      for (char c : f)
        if (letters->find(c) == std::string::npos) r += c;
      return r;
    }, unchanged_since);
    if (!nf) {
      if (nf.error().code == ENOENT) continue;
      if (nf.error().code == EEXIST) {
        modified.push_back(uid ? u : seq);
        continue;
      }
      return no(tag, "[SERVERBUG] " + nf.error().what);
    }
    sel_->flags[seq - 1] = mailstore::flag_bits(*nf);
    const auto* mi = sel_->index->find(u, seq - 1);
    std::string modseq = condstore_ && mi ? " " + modseq_item(*mi) : "";
    std::string uid_item = uid ? " UID " + std::to_string(u) : "";
    // With CONDSTORE even .SILENT reports the new modseq (RFC 7162 3.1.3).
    if (!silent)
      out_.line("* " + std::to_string(seq) + " FETCH (FLAGS " + flags_text(u, *nf) + uid_item + modseq + ")");
    else if (condstore_)
      out_.line("* " + std::to_string(seq) + " FETCH (" + (uid ? uid_item.substr(1) + modseq : modseq.substr(1)) + ")");
  }
  std::string done = uid ? "UID STORE completed" : "STORE completed";
  if (!modified.empty()) return ok(tag, "[MODIFIED " + imap::format_set(modified) + "] Conditional " + done);
  ok(tag, done);
}

}  // namespace posta::imapd
