// FETCH attributes and SEARCH keys.
#include <cctype>

#include "base/strings.h"
#include "imap/parser.h"

namespace posta::imap {

bool Parser::section(FetchAtt& att) {
  // after '['
  Section& s = att.section;
  while (std::isdigit(static_cast<unsigned char>(peek()))) {
    auto n = number();
    if (!n || *n == 0) return failed("invalid section part number");
    s.part.push_back(static_cast<uint32_t>(*n));
    if (s.part.size() > kMaxSectionDepth) return failed("section nested too deeply");
    if (peek() != '.') break;
    ++pos_;
  }
  if (peek() != ']') {
    size_t start = pos_;
    while (!at_end() && (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
    std::string word = upper(text_.substr(start, pos_ - start));
    using Spec = Section::Spec;
    if (word == "HEADER") s.spec = Spec::kHeader;
    else if (word == "TEXT") s.spec = Spec::kText;
    else if (word == "MIME" && !s.part.empty()) s.spec = Spec::kMime;
    else if (word == "HEADER.FIELDS") s.spec = Spec::kHeaderFields;
    else if (word == "HEADER.FIELDS.NOT") s.spec = Spec::kHeaderFieldsNot;
    else return failed("invalid section");
    if (s.spec == Spec::kHeaderFields || s.spec == Spec::kHeaderFieldsNot) {
      if (!sp() || !skip('(')) return false;
      for (;;) {
        auto f = astring();
        if (!f) return false;
        s.fields.push_back(upper(*f));
        if (s.fields.size() > 500) return failed("too many header fields");
        if (peek() == ')') break;
        if (!sp()) return false;
      }
      ++pos_;
    }
  }
  if (!skip(']')) return false;
  if (peek() == '<') {
    ++pos_;
    auto off = number();
    if (!off || !skip('.')) return false;
    auto cnt = number();
    if (!cnt || *cnt == 0 || !skip('>')) return failed("invalid partial");
    att.partial = true;
    att.offset = static_cast<uint32_t>(*off);
    att.count = static_cast<uint32_t>(*cnt);
  }
  return true;
}

std::optional<FetchAtt> Parser::fetch_att() {
  size_t start = pos_;
  while (!at_end() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
                       text_[pos_] == '8'))
    ++pos_;
  std::string w = upper(text_.substr(start, pos_ - start));
  FetchAtt a;
  using K = FetchAtt::Kind;
  if (w == "FLAGS") a.kind = K::kFlags;
  else if (w == "UID") a.kind = K::kUid;
  else if (w == "INTERNALDATE") a.kind = K::kInternalDate;
  else if (w == "RFC822.SIZE") a.kind = K::kRfc822Size;
  else if (w == "ENVELOPE") a.kind = K::kEnvelope;
  else if (w == "BODYSTRUCTURE") a.kind = K::kBodyStructure;
  else if (w == "RFC822") a.kind = K::kRfc822;
  else if (w == "RFC822.HEADER") a.kind = K::kRfc822Header;
  else if (w == "RFC822.TEXT") a.kind = K::kRfc822Text;
  else if (w == "MODSEQ") a.kind = K::kModseq;
  else if (w == "BODY" || w == "BODY.PEEK") {
    a.peek = w == "BODY.PEEK";
    if (peek() != '[') {
      if (a.peek) { failed("BODY.PEEK needs a section"); return std::nullopt; }
      a.kind = K::kBody;
      return a;
    }
    ++pos_;
    a.kind = K::kSection;
    if (!section(a)) return std::nullopt;
  } else if (w == "BINARY" || w == "BINARY.PEEK" || w == "BINARY.SIZE") {
    // RFC 3516: a section of part numbers only, and a partial except for BINARY.SIZE.
    a.kind = w == "BINARY.SIZE" ? K::kBinarySize : K::kBinary;
    a.peek = w != "BINARY";
    if (!skip('[') || !section(a) || a.section.spec != Section::Spec::kNone || (a.partial && a.kind == K::kBinarySize)) {
      failed("invalid " + w + " section");
      return std::nullopt;
    }
  } else {
    failed("unknown fetch attribute " + w);
    return std::nullopt;
  }
  return a;
}

std::optional<std::vector<FetchAtt>> Parser::fetch_atts() {
  std::vector<FetchAtt> out;
  using K = FetchAtt::Kind;
  auto macro = [&](std::initializer_list<K> ks) {
    for (K k : ks) { FetchAtt a; a.kind = k; out.push_back(a); }
  };
  if (skip_word("ALL")) { macro({K::kFlags, K::kInternalDate, K::kRfc822Size, K::kEnvelope}); return out; }
  if (skip_word("FAST")) { macro({K::kFlags, K::kInternalDate, K::kRfc822Size}); return out; }
  if (skip_word("FULL")) { macro({K::kFlags, K::kInternalDate, K::kRfc822Size, K::kEnvelope, K::kBody}); return out; }
  if (peek() != '(') {
    auto a = fetch_att();
    if (!a) return std::nullopt;
    out.push_back(*a);
    return out;
  }
  ++pos_;
  for (;;) {
    auto a = fetch_att();
    if (!a) return std::nullopt;
    out.push_back(*a);
    if (out.size() > 100) { failed("too many fetch attributes"); return std::nullopt; }
    if (peek() == ')') break;
    if (!sp()) return std::nullopt;
  }
  ++pos_;
  return out;
}

bool Parser::search_keys_until(std::vector<SearchKey>& out, char end, int depth) {
  for (;;) {
    auto k = search_key(depth);
    if (!k) return false;
    out.push_back(std::move(*k));
    if (out.size() > 1000) return failed("too many search keys");
    if (end == ')' && peek() == ')') { ++pos_; return true; }
    if (end == '\0' && at_end()) return true;
    if (!sp()) return false;
  }
}

std::optional<SearchKey> Parser::search_key(int depth) {
  if (depth > kMaxSearchDepth) { failed("search keys nested too deeply"); return std::nullopt; }
  SearchKey k;
  using K = SearchKey::Kind;
  if (peek() == '(') {
    ++pos_;
    k.kind = K::kAnd;
    if (!search_keys_until(k.sub, ')', depth + 1)) return std::nullopt;
    return k;
  }
  if (peek() == '*' || peek() == '$' || std::isdigit(static_cast<unsigned char>(peek()))) {
    auto s = sequence_set();
    if (!s) return std::nullopt;
    k.kind = K::kSeqSet;
    k.set = *s;
    return k;
  }
  auto w = atom();
  if (!w) return std::nullopt;
  std::string u = upper(*w);
  struct Simple { const char* name; K kind; };
  static const Simple simple[] = {
      {"ALL", K::kAll}, {"ANSWERED", K::kAnswered}, {"DELETED", K::kDeleted}, {"DRAFT", K::kDraft},
      {"FLAGGED", K::kFlagged}, {"NEW", K::kNew}, {"OLD", K::kOld}, {"RECENT", K::kRecent},
      {"SEEN", K::kSeen}, {"UNANSWERED", K::kUnanswered}, {"UNDELETED", K::kUndeleted},
      {"UNDRAFT", K::kUndraft}, {"UNFLAGGED", K::kUnflagged}, {"UNSEEN", K::kUnseen}};
  for (auto& s : simple)
    if (u == s.name) { k.kind = s.kind; return k; }
  static const Simple strs[] = {{"BCC", K::kBcc}, {"CC", K::kCc}, {"FROM", K::kFrom},
                                {"SUBJECT", K::kSubject}, {"TO", K::kTo}, {"BODY", K::kBody},
                                {"TEXT", K::kText}, {"KEYWORD", K::kKeyword}, {"UNKEYWORD", K::kUnkeyword}};
  // kind, then SP and the one argument read() parses, stored in field.
  auto with_arg = [&](K kind, auto read, auto& field) -> std::optional<SearchKey> {
    k.kind = kind;
    if (!sp()) return std::nullopt;
    auto v = read();
    if (!v) return std::nullopt;
    field = std::move(*v);
    return k;
  };
  for (auto& s : strs)
    if (u == s.name) {
      bool keyword = s.kind == K::kKeyword || s.kind == K::kUnkeyword;
      return with_arg(s.kind, [&] { return keyword ? atom() : astring(); }, k.str);
    }
  static const Simple dates[] = {{"BEFORE", K::kBefore}, {"ON", K::kOn}, {"SINCE", K::kSince},
                                 {"SENTBEFORE", K::kSentBefore}, {"SENTON", K::kSentOn},
                                 {"SENTSINCE", K::kSentSince}};
  for (auto& s : dates)
    if (u == s.name) return with_arg(s.kind, [&] { return date(); }, k.date);
  if (u == "LARGER" || u == "SMALLER")
    return with_arg(u == "LARGER" ? K::kLarger : K::kSmaller, [&] { return number(); }, k.number);
  if (u == "UID") return with_arg(K::kUid, [&] { return sequence_set(); }, k.set);
  if (u == "MODSEQ") {
    // MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 3.1.5): the entry
    // is accepted and ignored (one modseq per message covers every flag).
    k.kind = K::kModseq;
    if (!sp()) return std::nullopt;
    if (peek() == '"') {
      auto entry = quoted();
      if (!entry || !sp()) return std::nullopt;
      auto type = atom();
      if (!type || !sp()) return std::nullopt;
      std::string t = upper(*type);
      if (t != "PRIV" && t != "SHARED" && t != "ALL") { failed("invalid MODSEQ entry type"); return std::nullopt; }
    }
    auto n = mod_sequence();
    if (!n) return std::nullopt;
    k.number = *n;
    return k;
  }
  if (u == "HEADER") {
    k.kind = K::kHeader;
    if (!sp()) return std::nullopt;
    auto f = astring();
    if (!f || !sp()) return std::nullopt;
    auto v = astring();
    if (!v) return std::nullopt;
    k.field = upper(*f);
    k.str = *v;
    return k;
  }
  if (u == "NOT") {
    k.kind = K::kNot;
    if (!sp()) return std::nullopt;
    auto s = search_key(depth + 1);
    if (!s) return std::nullopt;
    k.sub.push_back(std::move(*s));
    return k;
  }
  if (u == "OR") {
    k.kind = K::kOr;
    for (int i = 0; i < 2; ++i) {
      if (!sp()) return std::nullopt;
      auto s = search_key(depth + 1);
      if (!s) return std::nullopt;
      k.sub.push_back(std::move(*s));
    }
    return k;
  }
  failed("unknown search key " + u);
  return std::nullopt;
}

std::optional<SearchKey> Parser::search_program() {
  SearchKey all;
  all.kind = SearchKey::Kind::kAnd;
  if (!search_keys_until(all.sub, '\0', 0)) return std::nullopt;
  return all;
}

}  // namespace posta::imap
