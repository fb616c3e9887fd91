#include "mailsearch/query.h"

#include <strings.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "base/strings.h"
#include "mailstore/header_cache.h"

namespace posta::mailsearch {
namespace {

using Kind = Query::Kind;

struct FieldName {
  const char* name;
  Kind kind;
};
constexpr std::array kFields = {
    FieldName{"from", Kind::kFrom},          FieldName{"to", Kind::kTo},
    FieldName{"cc", Kind::kCc},              FieldName{"bcc", Kind::kBcc},
    FieldName{"subject", Kind::kSubject},    FieldName{"body", Kind::kBody},
    FieldName{"text", Kind::kText},          FieldName{"message-id", Kind::kMessageId},
    FieldName{"msgid", Kind::kMessageId},    FieldName{"folder", Kind::kFolder},
    FieldName{"before", Kind::kBefore},      FieldName{"since", Kind::kSince},
    FieldName{"on", Kind::kOn},              FieldName{"sentbefore", Kind::kSentBefore},
    FieldName{"sentsince", Kind::kSentSince}, FieldName{"senton", Kind::kSentOn},
    FieldName{"larger", Kind::kLarger},      FieldName{"smaller", Kind::kSmaller},
};

struct FlagName {
  const char* name;
  char letter;
  bool set;
};
constexpr std::array kFlags = {
    FlagName{"seen", 'S', true},     FlagName{"unseen", 'S', false},
    FlagName{"flagged", 'F', true},  FlagName{"unflagged", 'F', false},
    FlagName{"answered", 'R', true}, FlagName{"unanswered", 'R', false},
    FlagName{"deleted", 'T', true},  FlagName{"undeleted", 'T', false},
    FlagName{"draft", 'D', true},    FlagName{"undraft", 'D', false},
};

bool is_date_kind(Kind k) {
  return k == Kind::kBefore || k == Kind::kSince || k == Kind::kOn || k == Kind::kSentBefore ||
         k == Kind::kSentSince || k == Kind::kSentOn;
}

// "YYYY-MM-DD" -> midnight UTC; nullopt for anything else (or an impossible day).
std::optional<time_t> parse_day(std::string_view s) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(std::string(s).c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  struct tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  time_t t = timegm(&tm);
  struct tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d) return std::nullopt;  // 2026-02-30
  return t;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::expected<Query, QueryError> run() {
    if (s_.size() > kMaxQuery) return error("query longer than " + std::to_string(kMaxQuery) + " bytes", 0);
    blanks();
    if (at_end()) return error("empty query", 0);
    auto q = parse_or(0);
    if (!q) return q;
    blanks();
    if (!at_end()) {
      if (s_[pos_] == ')') return error("unbalanced ')'", pos_);
      return error("unexpected text", pos_);
    }
    return q;
  }

 private:
  using R = std::expected<Query, QueryError>;
  std::unexpected<QueryError> error(std::string what, size_t at) { return std::unexpected(QueryError{std::move(what), at}); }
  bool at_end() const { return pos_ >= s_.size(); }
  void blanks() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  static bool ends_word(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')'; }
  // The keyword w at pos_ as a whole word (followed by a blank, a parenthesis or the end).
  bool keyword(const char* w) {
    size_t n = std::strlen(w);
    if (s_.size() - pos_ < n || strncasecmp(s_.data() + pos_, w, n) != 0) return false;
    if (pos_ + n < s_.size() && !ends_word(s_[pos_ + n])) return false;
    pos_ += n;
    return true;
  }

  R parse_or(int depth) {
    auto first = parse_and(depth);
    if (!first) return first;
    Query q;
    q.kind = Kind::kOr;
    q.sub.push_back(std::move(*first));
    for (;;) {
      blanks();
      if (!keyword("or")) break;
      auto next = parse_and(depth);
      if (!next) return next;
      q.sub.push_back(std::move(*next));
    }
    if (q.sub.size() == 1) return std::move(q.sub[0]);
    return q;
  }

  R parse_and(int depth) {
    Query q;
    q.kind = Kind::kAnd;
    for (;;) {
      auto t = parse_unary(depth);
      if (!t) return t;
      q.sub.push_back(std::move(*t));
      blanks();
      if (at_end() || s_[pos_] == ')' || peek_word("or")) break;
      if (keyword("and")) {
        blanks();
        if (at_end() || s_[pos_] == ')') return error("a term expected after 'and'", pos_);
      }
    }
    if (q.sub.size() == 1) return std::move(q.sub[0]);
    return q;
  }

  bool peek_word(const char* w) {
    size_t save = pos_;
    bool yes = keyword(w);
    pos_ = save;
    return yes;
  }

  R parse_unary(int depth) {
    if (depth >= kMaxDepth) return error("nested deeper than " + std::to_string(kMaxDepth), pos_);
    blanks();
    if (at_end()) return error("a term expected", pos_);
    if (peek_word("and") || peek_word("or")) return error("a term expected before this operator", pos_);
    if (keyword("not") || s_[pos_] == '-') {
      if (s_[pos_] == '-') ++pos_;
      auto inner = parse_unary(depth + 1);
      if (!inner) return inner;
      Query q;
      q.kind = Kind::kNot;
      q.sub.push_back(std::move(*inner));
      return q;
    }
    if (s_[pos_] == '(') {
      size_t open = pos_++;
      auto inner = parse_or(depth + 1);
      if (!inner) return inner;
      blanks();
      if (at_end() || s_[pos_] != ')') return error("'(' not closed", open);
      ++pos_;
      return inner;
    }
    if (++terms_ > kMaxTerms) return error("more than " + std::to_string(kMaxTerms) + " terms", pos_);
    return parse_term();
  }

  // A value: quoted, or bare up to a blank or parenthesis.
  std::expected<std::string, QueryError> value() {
    if (at_end() || ends_word(s_[pos_])) return error("a value expected", pos_);
    std::string out;
    if (s_[pos_] != '"') {
      while (!at_end() && !ends_word(s_[pos_])) out += s_[pos_++];
      return out;
    }
    size_t open = pos_++;
    for (;;) {
      if (at_end()) return error("unterminated quoted string", open);
      char c = s_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        if (at_end()) return error("unterminated quoted string", open);
        c = s_[pos_++];
      }
      out += c;
    }
    if (!at_end() && !ends_word(s_[pos_])) return error("a blank expected after the quoted string", pos_);
    return out;
  }

  R parse_term() {
    size_t start = pos_;
    size_t colon = pos_;
    while (colon < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[colon])) || s_[colon] == '-')) ++colon;
    Query q;
    if (colon == pos_ || colon >= s_.size() || s_[colon] != ':') {
      if (keyword("all")) return q;
      auto v = value();  // a bare word or phrase: anywhere in the message
      if (!v) return std::unexpected(v.error());
      q.kind = Kind::kText;
      q.text = std::move(*v);
      return q;
    }
    std::string name = posta::lower(std::string(s_.substr(pos_, colon - pos_)));
    pos_ = colon + 1;
    if (name == "is") return flag_term();
    if (name == "header") {
      size_t fstart = pos_;
      while (pos_ < s_.size() && s_[pos_] != ':' && s_[pos_] > ' ' && s_[pos_] < 0x7f && !ends_word(s_[pos_])) ++pos_;
      if (pos_ == fstart || at_end() || s_[pos_] != ':') return error("header:NAME:VALUE expected", start);
      q.kind = Kind::kHeader;
      q.field = std::string(s_.substr(fstart, pos_ - fstart));
      ++pos_;
      auto v = value();
      if (!v) return std::unexpected(v.error());
      q.text = std::move(*v);
      return q;
    }
    auto f = std::find_if(kFields.begin(), kFields.end(), [&](auto& x) { return name == x.name; });
    if (f == kFields.end()) return error("unknown field '" + name + "'", start);
    q.kind = f->kind;
    size_t vstart = pos_;
    auto v = value();
    if (!v) return std::unexpected(v.error());
    if (is_date_kind(q.kind)) {
      auto d = parse_day(*v);
      if (!d) return error("a date YYYY-MM-DD expected", vstart);
      q.date = *d;
    } else if (q.kind == Kind::kLarger || q.kind == Kind::kSmaller) {
      auto n = posta::parse_byte_size(*v);
      if (!n) return error("a size (N, NK, NM, NG) expected", vstart);
      q.number = *n;
    } else {
      q.text = std::move(*v);
    }
    return q;
  }

  R flag_term() {
    size_t vstart = pos_;
    auto v = value();
    if (!v) return std::unexpected(v.error());
    auto f = std::find_if(kFlags.begin(), kFlags.end(), [&](auto& x) { return strcasecmp(v->c_str(), x.name) == 0; });
    if (f == kFlags.end()) return error("unknown flag '" + *v + "' (seen, flagged, answered, deleted, draft, un...)", vstart);
    Query q;
    q.kind = f->set ? Kind::kFlag : Kind::kNoFlag;
    q.flag = f->letter;
    return q;
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t terms_ = 0;
};

std::string quote_if_needed(const std::string& v) {
  bool plain = !v.empty() && v[0] != '"' && std::none_of(v.begin(), v.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '"';
  });
  if (plain && strcasecmp(v.c_str(), "and") && strcasecmp(v.c_str(), "or") && strcasecmp(v.c_str(), "not") &&
      strcasecmp(v.c_str(), "all") && v[0] != '-' && v.find(':') == std::string::npos)
    return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string day_text(time_t t) {
  struct tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

std::expected<Query, QueryError> parse_query(std::string_view text) { return Parser(text).run(); }

std::string describe(const QueryError& e) { return e.what + " at position " + std::to_string(e.position + 1); }

std::string point_at(const QueryError& e, std::string_view text) {
  std::string out = "  " + std::string(text.substr(0, 200)) + "\n";
  if (e.position <= 200) out += "  " + std::string(e.position, ' ') + "^\n";
  return out;
}

Need need_of(const Query& q) {
  switch (q.kind) {
    case Kind::kFrom: case Kind::kTo: case Kind::kCc: case Kind::kBcc: case Kind::kSubject:
    case Kind::kMessageId: case Kind::kSentBefore: case Kind::kSentSince: case Kind::kSentOn:
      return Need::kHeaders;
    case Kind::kHeader: return mailstore::is_cached_header(posta::lower(q.field)) ? Need::kHeaders : Need::kFull;
    case Kind::kBody: case Kind::kText: return Need::kFull;
    default: break;
  }
  Need n = Need::kIndex;
  for (auto& s : q.sub) n = std::max(n, need_of(s));
  return n;
}

std::string to_text(const Query& q) {
  switch (q.kind) {
    case Kind::kAll: return "all";
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < q.sub.size(); ++i)
        out += (i ? (q.kind == Kind::kAnd ? " and " : " or ") : "") + to_text(q.sub[i]);
      return out + ")";
    }
    case Kind::kNot: return "not " + to_text(q.sub[0]);
    case Kind::kHeader: return "header:" + q.field + ":" + quote_if_needed(q.text);
    case Kind::kFlag:
    case Kind::kNoFlag: {
      auto f = std::find_if(kFlags.begin(), kFlags.end(),
                            [&](auto& x) { return x.letter == q.flag && x.set == (q.kind == Kind::kFlag); });
      return std::string("is:") + f->name;
    }
    default: break;
  }
  auto f = std::find_if(kFields.begin(), kFields.end(), [&](auto& x) { return x.kind == q.kind; });
  std::string out = std::string(f->name) + ":";
  if (is_date_kind(q.kind)) return out + day_text(q.date);
  if (q.kind == Kind::kLarger || q.kind == Kind::kSmaller) return out + std::to_string(q.number);
  return out + quote_if_needed(q.text);
}

}  // namespace posta::mailsearch
