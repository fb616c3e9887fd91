// Maildir++ folders as IMAP mailboxes. The hierarchy delimiter is '.', names travel in
// modified UTF-7 (RFC 3501 5.1.3) and are stored on disk in the same form: mailbox
// "Work.Reports" is the directory "<maildir>/.Work.Reports"; INBOX is the maildir itself.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::mailstore {

inline constexpr char kDelimiter = '.';

// Modified UTF-7 -> UTF-8; fails on malformed input (bad base64, non-minimal, unpaired
// surrogates, a raw '&' or a non-ASCII byte).
[[nodiscard]] Result<std::string> mutf7_to_utf8(std::string_view s);
std::string utf8_to_mutf7(std::string_view s);

// A mailbox name as the client sent it, checked: "INBOX" (any case) -> "INBOX"; else it
// must be valid modified UTF-7, at most 200 bytes, no '/', '\', control characters,
// wildcards, and no empty or "."/".." component (so it can never leave the maildir).
[[nodiscard]] Result<std::string> check_mailbox_name(std::string_view name);

class Folders {
 public:
  explicit Folders(std::string maildir) : maildir_(std::move(maildir)) {}
  // Directory of a (checked) mailbox name.
  std::string dir(std::string_view mailbox) const;
  bool exists(std::string_view mailbox) const;
  // Every mailbox, INBOX first, then the rest sorted.
  std::vector<std::string> list() const;
  [[nodiscard]] Status create(std::string_view mailbox);
  [[nodiscard]] Status remove(std::string_view mailbox);
  // Renames the mailbox and its children; renaming INBOX moves its messages instead.
  [[nodiscard]] Status rename(std::string_view from, std::string_view to);

  // The Courier-style "subscriptions" file: one mailbox name per line.
  std::vector<std::string> subscriptions() const;
  [[nodiscard]] Status subscribe(std::string_view mailbox, bool on);
  const std::string& maildir() const { return maildir_; }
  // The SPECIAL-USE attribute of a mailbox (RFC 6154): the one CREATE ... (USE (...)) gave
  // it (posta-specialuse in its folder), else the one of its name (special_use()), or "".
  std::string special_use_of(std::string_view mailbox) const;
  [[nodiscard]] Status set_special_use(std::string_view mailbox, std::string_view attribute);

 private:
  std::string maildir_;
};

// The SPECIAL-USE attribute of a mailbox name ("\\Sent" for "Sent"), or "".
std::string_view special_use(std::string_view mailbox);
// attribute as posta stores it ("\\junk" -> "\\Junk"), or "" when not one it supports
// (\\Archive \\Drafts \\Junk \\Sent \\Trash; not the virtual \\All and \\Flagged).
std::string_view supported_special_use(std::string_view attribute);

}  // namespace posta::mailstore
