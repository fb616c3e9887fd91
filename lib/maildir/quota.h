// Maildir++ quota: the "maildirsize" file in the main maildir.
// Line 1: the quota definition, e.g. "1000000S,1000C" (bytes S, messages C; absent = unlimited).
// Each further line: "<bytes delta> <message count delta>", appended by whoever adds or
// removes messages (one write(2) with O_APPEND, so concurrent writers do not mix lines).
// Usage = the sum of all lines. The file is recalculated (by scanning new/ and cur/ of the
// maildir and every folder, sizes from ",S=" in the names or stat) when it is missing, has a
// different definition, is larger than 5120 bytes, or reports over-quota and is older than
// 15 minutes. Recalculation writes a temp file in tmp/ and renames it over maildirsize.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::maildir {

// 0 means unlimited.
struct QuotaLimit {
  uint64_t bytes = 0;
  uint64_t messages = 0;
  bool unlimited() const { return bytes == 0 && messages == 0; }
  bool operator==(const QuotaLimit&) const = default;
};

struct QuotaUsage {
  int64_t bytes = 0;
  int64_t messages = 0;
  bool operator==(const QuotaUsage&) const = default;
};

// "1000000S,1000C", "1000000S", "1000C"; "" or "0S,0C" = unlimited. Strict: refuses junk.
[[nodiscard]] Result<QuotaLimit> parse_quota_definition(std::string_view s);
std::string format_quota_definition(const QuotaLimit& q);

// The parsed content of a maildirsize file.
struct MaildirSize {
  QuotaLimit limit;
  QuotaUsage usage;
  size_t lines = 0;  // delta lines after the definition
};
// Strict: a malformed line makes the whole file invalid (the caller recalculates).
// A last line without newline (a writer that died mid-line) is also invalid.
[[nodiscard]] Result<MaildirSize> parse_maildirsize(std::string_view content);

// Would adding bytes/messages go over the limit? (Usage already over counts as exceeding.)
bool would_exceed(const QuotaLimit& limit, const QuotaUsage& usage, int64_t add_bytes,
                  int64_t add_messages);

// Scans the maildir and its folders. Does not write anything.
[[nodiscard]] Result<QuotaUsage> scan_usage(const std::string& maildir);

class Quota {
 public:
  // limit: the quota from the user record (or POSTA_QUOTA). An unlimited quota still keeps
  // the file up to date when it exists, so that imapd can report usage.
  Quota(std::string maildir, QuotaLimit limit) : maildir_(std::move(maildir)), limit_(limit) {}

  // Current usage; reads maildirsize and recalculates it first when needed (see above).
  [[nodiscard]] Result<QuotaUsage> usage(time_t now);
  // Forces a recalculation and rewrites maildirsize.
  [[nodiscard]] Result<QuotaUsage> recalculate();
  // Would a message of this size go over the quota? Calls usage().
  [[nodiscard]] Result<bool> would_exceed(uint64_t bytes, uint64_t messages, time_t now);
  // Appends "<bytes> <messages>\n" (negative for removal). Creates the file with the
  // definition line when missing (after a scan, so the totals stay right).
  [[nodiscard]] Status add(int64_t bytes, int64_t messages);

  const QuotaLimit& limit() const { return limit_; }
  std::string path() const { return maildir_ + "/maildirsize"; }

 private:
  std::string maildir_;
  QuotaLimit limit_;
};

// POSTA_QUOTA / user record text form as posta-auth puts it in the environment:
// the definition syntax above ("1000000S,1000C"). Missing or empty: unlimited.
[[nodiscard]] Result<QuotaLimit> quota_from_env(const char* value);

}  // namespace posta::maildir
