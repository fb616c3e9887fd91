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
};

class Maildrop {
 public:
  [[nodiscard]] static Result<Maildrop> open(const std::string& maildir);
  size_t count() const { return entries_.size(); }
  // nullptr for out-of-range numbers
  Entry* at(long n) { return n >= 1 && static_cast<size_t>(n) <= entries_.size() ? &entries_[n - 1] : nullptr; }
  std::vector<Entry>& entries() { return entries_; }
  mailstore::MailboxIndex& index() { return index_; }
  // The message as sent: CRLF line ends, dot-stuffed; body_lines < 0 means all (TOP n m).
  [[nodiscard]] Result<std::string> render(const Entry& e, long body_lines);
  // Moves a retrieved message out of new/ (no longer \Recent for IMAP).
  void mark_retrieved(Entry& e);
  // UPDATE state: removes deleted messages; returns how many could not be removed.
  size_t commit_deletions();

 private:
  explicit Maildrop(mailstore::MailboxIndex idx) : index_(std::move(idx)) {}
  mailstore::MailboxIndex index_;
  std::vector<Entry> entries_;
};

}  // namespace posta::pop3
