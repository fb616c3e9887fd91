// The TRANSACTION state's view of the maildrop: a snapshot taken at login, numbered 1..n.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "mailstore/mailbox_index.h"

namespace posta::pop3 {

struct Entry {
  mailstore::MessageInfo info;
  uint64_t octets = 0;  // size as sent: CRLF line ends, before dot-stuffing
  bool deleted = false;
  bool retrieved = false;  // RETR in this session: leaves new/ when the session ends
};

class Maildrop {
 public:
  [[nodiscard]] static Result<Maildrop> open(const std::string& maildir);
  size_t count() const { return entries_.size(); }
  // nullptr for out-of-range numbers
  Entry* at(long n) { return n >= 1 && static_cast<size_t>(n) <= entries_.size() ? &entries_[n - 1] : nullptr; }
  std::vector<Entry>& entries() { return entries_; }
  mailstore::MailboxIndex& index() { return index_; }
  // Appends the message as sent to out: CRLF line ends, dot-stuffed, then ".\r\n";
  // body_lines < 0 means all (TOP n m). Nothing is appended on failure. A message renamed
  // by another client meanwhile is found again (e.info is updated).
  [[nodiscard]] Status render(Entry& e, long body_lines, std::string& out);
  // UPDATE state: removes deleted messages; returns how many could not be removed. held_for:
  // the user's address when on legal hold: each message goes to the held store first
  // (lib/retention/hold.h), and stays when it cannot.
  size_t commit_deletions(const std::string& held_for = "");
  // End of session (QUIT or not): moves the retrieved messages that are still there out
  // of new/, so IMAP no longer sees them as \Recent. Done once here rather than per RETR:
  // a message retrieved and deleted is never renamed, and RETR answers sooner.
  void move_retrieved();

 private:
  explicit Maildrop(mailstore::MailboxIndex idx) : index_(std::move(idx)) {}
  [[nodiscard]] Status read_message(const Entry& e);
  mailstore::MailboxIndex index_;
  std::vector<Entry> entries_;
  std::string file_;  // the message being sent (kept to reuse its allocation)
};

}  // namespace posta::pop3
