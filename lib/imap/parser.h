// IMAP command argument parser (RFC 3501 formal syntax, with RFC 7888 literals).
// Works on a RawCommand: text with one NUL marking each literal.
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "imap/command_reader.h"
#include "imap/sequence_set.h"
#include "imap/sort.h"

namespace posta::imap {

struct Section {
  std::vector<uint32_t> part;  // "1.2" -> {1, 2}
  enum class Spec { kNone, kHeader, kHeaderFields, kHeaderFieldsNot, kText, kMime } spec = Spec::kNone;
  std::vector<std::string> fields;  // upper-cased header names
  std::string text() const;         // as echoed in the response, "1.HEADER.FIELDS (FROM)"
};

struct FetchAtt {
  enum class Kind { kFlags, kUid, kInternalDate, kRfc822Size, kEnvelope, kBody, kBodyStructure,
                    kSection, kRfc822, kRfc822Header, kRfc822Text, kModseq,
                    kBinary, kBinarySize } kind = Kind::kFlags;
  bool peek = false;
  Section section;
  bool partial = false;
  uint32_t offset = 0, count = 0;
};

struct SearchKey {
  enum class Kind {
    kAll, kAnswered, kDeleted, kDraft, kFlagged, kNew, kOld, kRecent, kSeen, kUnanswered,
    kUndeleted, kUndraft, kUnflagged, kUnseen, kKeyword, kUnkeyword,
    kBcc, kCc, kFrom, kSubject, kTo, kBody, kText, kHeader,
    kBefore, kOn, kSince, kSentBefore, kSentOn, kSentSince,
    kLarger, kSmaller, kUid, kSeqSet, kNot, kOr, kAnd, kModseq
  } kind = Kind::kAll;
  std::string str;          // search text, keyword or header value
  std::string field;        // HEADER field name
  time_t date = 0;          // day start, UTC
  uint64_t number = 0;      // LARGER/SMALLER, MODSEQ
  SequenceSet set;          // UID / sequence set
  std::vector<SearchKey> sub;  // NOT: 1, OR: 2, AND: n
};

// RFC 7162 modifiers and parameters.
inline constexpr uint64_t kMaxModseq = 0x7fffffffffffffffull;
struct FetchModifiers {
  std::optional<uint64_t> changed_since;  // CHANGEDSINCE
  bool vanished = false;                  // VANISHED (QRESYNC, UID FETCH only)
};
struct QresyncParams {
  uint32_t uid_validity = 0;
  uint64_t modseq = 0;
  std::optional<SequenceSet> known_uids;
  std::optional<SequenceSet> match_seqs, match_uids;  // seq-match-data
};
// SEARCH RETURN (...) (RFC 4731 ESEARCH, RFC 5182 SAVE); empty options mean ALL.
struct SearchReturn {
  bool min = false, max = false, all = false, count = false, save = false;
};

struct SelectParams {
  bool condstore = false;
  std::optional<QresyncParams> qresync;
};

class Parser {
 public:
  explicit Parser(const RawCommand& cmd) : text_(cmd.text), literals_(cmd.literals) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool sp();                       // exactly one space
  bool skip(char c);               // the character c
  bool skip_word(std::string_view w);  // a case-insensitive word followed by SP / ) / end
  std::optional<std::string> tag();
  std::optional<std::string> atom();      // ATOM-CHARs (also accepts ']' where asked)
  std::optional<std::string> astring();   // atom, quoted or literal
  std::optional<std::string> string();    // quoted or literal
  std::optional<std::string> nstring();   // string or NIL (nullopt and no error on NIL is not distinguishable: see is_nil)
  std::optional<std::string> list_mailbox();  // astring or list-chars with % *
  std::optional<uint64_t> number();
  // A sequence or UID set, normalised (sorted, merged); at most kMaxSetRanges ranges as written.
  std::optional<SequenceSet> sequence_set();
  std::optional<time_t> date();           // 1-Jan-2024 or "1-Jan-2024", UTC day start
  std::optional<time_t> date_time();      // "dd-Mon-yyyy hh:mm:ss +zzzz"
  std::optional<std::vector<std::string>> flag_list();  // "(\Seen foo)" or a single flag
  // FETCH items: an atom (ALL/FAST/FULL/...), one att, or a parenthesised list.
  std::optional<std::vector<FetchAtt>> fetch_atts();
  // SEARCH keys after the optional CHARSET (the caller parses CHARSET).
  std::optional<SearchKey> search_program();
  // RFC 7162 (condstore_args.cc), each after the SP that precedes it: a mod-sequence
  // (0 .. 2^63 - 1), "(CHANGEDSINCE n [VANISHED])", "(UNCHANGEDSINCE n)", and SELECT's
  // "(CONDSTORE)" / "(QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]))".
  std::optional<uint64_t> mod_sequence();
  std::optional<FetchModifiers> fetch_modifiers();
  std::optional<uint64_t> store_modifiers();
  std::optional<SelectParams> select_params();
  // After "RETURN SP": "(MIN MAX ALL COUNT SAVE)" in any order; "()" is ALL (search_args.cc).
  std::optional<SearchReturn> search_return();
  // SORT's "(REVERSE DATE SUBJECT ...)" (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO): at
  // least one key, REVERSE before a key only (sort_args.cc).
  std::optional<std::vector<SortCriterion>> sort_criteria();

  const std::string& error() const { return error_; }
  bool failed(std::string why) { if (error_.empty()) error_ = std::move(why); return false; }
  size_t pos() const { return pos_; }
  std::string_view rest() const { return std::string_view(text_).substr(std::min(pos_, text_.size())); }

  static constexpr int kMaxSearchDepth = 20;
  static constexpr size_t kMaxSetRanges = 100000;
  static constexpr size_t kMaxSectionDepth = 8;

 private:
  // Decimal digits as a number up to max (what: for the error message).
  std::optional<uint64_t> digits(uint64_t max, const char* what);
  std::optional<std::string> quoted();
  std::optional<std::string> literal();
  std::optional<FetchAtt> fetch_att();
  bool section(FetchAtt& att);
  std::optional<SearchKey> search_key(int depth);
  bool search_keys_until(std::vector<SearchKey>& out, char end, int depth);

  const std::string& text_;
  const std::vector<std::string>& literals_;
  size_t pos_ = 0;
  size_t next_literal_ = 0;
  std::string error_;
};

bool is_atom_char(char c);

}  // namespace posta::imap
