// queue/state/<id>: the per-recipient delivery log of one message. Text, one record per
// line, fields separated by one space, the free-text reason last (printable, no newline).
// posta-send appends a record and fdatasyncs before it acts on the outcome, so after a crash
// it redoes only recipients without a final record.
//
//   posta-state 1                         first line
//   L <idx> <address>                     recipient <idx> (index into info/<id>) is local
//   X <idx> <address>                     recipient <idx> is remote
//   D <idx> <time> <reason>               delivered (final)
//   P <idx> <time> <reason>               failed permanently (final; needs a DSN)
//   S <idx> <time> <next> <reason>        failed temporarily; next attempt not before <next>
//   B <idx> <time>                        failure (or success) reported to the sender, or
//                                         nothing to report (null sender handled, NOTIFY=NEVER)
//   W <time>                              delay warning sent (once per message)
//   H <time> / U <time>                   held / released by posta-qctl
//
// A last line without its newline is a torn append from a crash: load() drops it and
// truncates the file back to the last complete record. Any other malformed line is an error.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::queue {

enum class Channel : char { kLocal = 'L', kRemote = 'X' };
enum class RcptStatus { kPending, kDelivered, kFailed };

struct RcptState {
  size_t index = 0;
  std::string address;
  Channel channel = Channel::kLocal;
  RcptStatus status = RcptStatus::kPending;
  int attempts = 0;             // D, P and S records seen
  long long last_try = 0;       // time of the last attempt
  long long next_try = 0;       // 0: as soon as possible
  std::string reason;           // last reason
  bool reported = false;        // B seen
  bool operator==(const RcptState&) const = default;
};

struct MessageState {
  std::vector<RcptState> rcpts;  // in L/X order
  bool warned = false;
  bool held = false;
  RcptState* find(size_t index);
  const RcptState* find(size_t index) const;
  bool finished() const;  // every recipient final and reported
  bool operator==(const MessageState&) const = default;
};

struct Record {
  char type = 0;        // L X D P S B W H U
  size_t index = 0;     // L X D P S B
  std::string address;  // L X
  long long time = 0;   // D P S B W H U
  long long next = 0;   // S
  std::string reason;   // D P S
  bool operator==(const Record&) const = default;
};

inline constexpr std::string_view kStateMagic = "posta-state 1";

std::string encode_record(const Record& r);  // with the trailing newline
[[nodiscard]] Result<Record> parse_record(std::string_view line);  // without newline
void apply(MessageState& m, const Record& r);

// Parses a whole log. torn_at is set to the offset of a torn last line (else data.size()).
[[nodiscard]] Result<MessageState> parse_state(std::string_view data, size_t* torn_at = nullptr);

// File operations. Each append opens with O_APPEND, writes one record, fdatasyncs, closes
// (posta-send keeps the state in memory, not thousands of open fds).
// sync_dir false: the caller fsyncs the directory once for a batch before relying on it.
[[nodiscard]] Status create_state(const std::string& path, const std::vector<Record>& initial,
                                  bool sync_dir = true);
// Loads a log; a torn last line is dropped and the file truncated back (repair).
[[nodiscard]] Result<MessageState> load_state(const std::string& path);
[[nodiscard]] Status append_state(const std::string& path, const Record& r);
// Several records with one write and one fdatasync.
[[nodiscard]] Status append_state(const std::string& path, const std::vector<Record>& recs);

// Reasons are kept printable and on one line: control bytes become '?', length is capped.
std::string clean_reason(std::string_view s, size_t max = 500);

}  // namespace posta::queue
