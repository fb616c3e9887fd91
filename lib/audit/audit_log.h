// The audit log of actions on mail: what posta-mail changed (expunge, move, import), what
// posta-user changed in accounts, and what each master-user IMAP session read or changed.
// Listed by `posta-mail audit` (posta-mail(8) "FILES", INTERNALS.md "Audit log").
//
// $POSTA_HOME/mail/.audit/audit.log (the directory 0700, the file 0600, both the mail store
// owner's: posta-imapd's master sessions run as that owner and append to it; a tool that
// runs as root hands a file it created over to that owner). Written only by appending: one
// write(2) with O_APPEND a record, so writers in parallel never mix lines; nothing in posta
// rewrites or truncates it (rotate it by renaming; `audit` reads audit.log and audit.log.*).
//
// A record is one line of tab-separated fields, escaped as the admin tools' TSV
// (admin::tsv_escape): time (unix seconds), who, program, action, user, folder, uids (an
// IMAP UID set "3:5,9"), message-id, detail.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::audit {

struct Record {
  int64_t time = 0;
  std::string who;      // "uid=0(root) sudo=alice", "master=admin@example.org ip=..."
  std::string program;  // "posta-mail", "posta-user", "posta-imapd"
  std::string action;   // "expunge", "move", "import", "user-add", "FETCH", ...
  std::string user;     // whose mail or account
  std::string folder;
  std::string uids;
  std::string message_id;
  std::string detail;   // free text: the query, the target folder, the result
  bool operator==(const Record&) const = default;
};

std::string encode(const Record& r);  // without the newline
[[nodiscard]] Result<Record> decode(std::string_view line);

std::string log_dir(const std::string& home);
std::string log_path(const std::string& home);

// Appends the records (one write a record). Creates the directory and the file when missing.
[[nodiscard]] Status append(const std::string& home, const std::vector<Record>& records);

struct Filter {
  std::string user;   // "" = any; else exact (case-insensitive)
  std::string action; // "" = any; else exact (case-insensitive)
  int64_t since = 0;  // 0 = no bound; records with time >= since
  int64_t until = 0;  // 0 = no bound; records with time < until
};
bool matches(const Record& r, const Filter& f);

// The records of audit.log.* (rotated, oldest name order first) then audit.log that pass f,
// in file order. A line that does not decode is reported as a record with action
// "unreadable" and the line in detail, never skipped silently.
[[nodiscard]] Result<std::vector<Record>> read(const std::string& home, const Filter& f);

// Who runs this process, for Record::who: "uid=N(name)", the login uid of the session when
// it differs (/proc/self/loginuid: unchanged by su and setuid), and "sudo=NAME" when
// SUDO_USER is set. Taken before the process changes its ids.
std::string invoker();

// UIDs as an IMAP set: {1,2,3,7} -> "1:3,7" (sorted first).
std::string uid_set(std::vector<uint32_t> uids);

}  // namespace posta::audit
