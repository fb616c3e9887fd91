// The admin's query language over mail (posta-mail(8) "QUERY LANGUAGE"), written to read
// well as one shell argument:
//
//   from:alice@x and subject:"invoice" and since:2026-01-01
//   (to:bob or cc:bob) and not is:seen and larger:1M
//   header:List-Id:posta folder:Junk message-id:<abc@x>
//
// Grammar (keywords case-insensitive; juxtaposition means "and"):
//   query   := or
//   or      := and { "or" and }
//   and     := unary { ["and"] unary }
//   unary   := "not" unary | "-" unary | "(" or ")" | term
//   term    := FIELD ":" value | "header:" NAME ":" value | "all" | value   (a bare value: text:)
//   value   := '"' { char | '\"' | '\\' } '"' | bare characters up to a blank, '(' or ')'
// Fields: from to cc bcc subject body text message-id (msgid) folder; before since on
// (YYYY-MM-DD, the message's arrival day, UTC); sentbefore sentsince senton (its Date:);
// larger smaller (bytes, K/M/G suffixes); is: seen unseen flagged unflagged answered
// unanswered deleted undeleted draft undraft.
// Nesting is limited (kMaxDepth) and so is the number of terms (kMaxTerms); every error
// names the byte position of the problem.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::mailsearch {

inline constexpr int kMaxDepth = 32;
inline constexpr size_t kMaxTerms = 256;
inline constexpr size_t kMaxQuery = 8192;

struct Query {
  enum class Kind {
    kAll, kAnd, kOr, kNot,
    kFrom, kTo, kCc, kBcc, kSubject, kHeader, kBody, kText, kMessageId, kFolder,
    kBefore, kSince, kOn, kSentBefore, kSentSince, kSentOn,
    kLarger, kSmaller,
    kFlag,     // flag (a Maildir letter) set
    kNoFlag,   // flag not set
  };
  Kind kind = Kind::kAll;
  std::string field;  // kHeader: the field name
  std::string text;   // string terms; kFolder: the folder name
  time_t date = 0;    // date terms: midnight UTC of the day
  uint64_t number = 0;
  char flag = 0;
  std::vector<Query> sub;  // kAnd, kOr (two or more), kNot (one)
};

// A parse error: what, and the byte offset in the query where it was found.
struct QueryError {
  std::string what;
  size_t position = 0;
};

[[nodiscard]] std::expected<Query, QueryError> parse_query(std::string_view text);

// "what at position N" (from 1).
std::string describe(const QueryError& e);
// Two lines: the query (its first 200 bytes) and a caret under the position.
std::string point_at(const QueryError& e, std::string_view text);

// What matching needs of a message: index data only (flags, size, folder, date), its
// header fields of the header cache, or the whole message.
enum class Need { kIndex, kHeaders, kFull };
Need need_of(const Query& q);

// Back to text in the canonical form (for logs and the audit): fields lower-case, values
// quoted when they need it; parse_query(to_text(q)) gives q again.
std::string to_text(const Query& q);

}  // namespace posta::mailsearch
