// Matching a Query against the messages of a folder, through lib/mailstore as posta-imapd
// reads them: flags, sizes and UIDs from the MailboxIndex, header fields from the folder's
// header cache (filled for messages it misses), the message file only when the query needs
// its body or a field the cache does not keep.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsearch/query.h"
#include "mailstore/header_cache.h"
#include "mailstore/mailbox_index.h"
#include "mime/message.h"

namespace posta::mailsearch {

// One message of a folder, read lazily.
class Candidate {
 public:
  // cache: the folder's header cache, loaded; may be nullptr (then header terms read the file).
  Candidate(std::string_view folder, const mailstore::MailboxIndex& index, const mailstore::MessageInfo& mi,
            mailstore::HeaderCache* cache)
      : folder_(folder), index_(index), mi_(mi), cache_(cache) {}

  std::string_view folder() const { return folder_; }
  const mailstore::MessageInfo& info() const { return mi_; }
  // When it arrived: the file's mtime (IMAP INTERNALDATE); 0 when the file is gone.
  time_t arrival();
  // RFC822.SIZE: the size with CRLF line ends when the name records it, else on disk.
  uint64_t size() const { return mi_.vsize ? mi_.vsize : mi_.size; }
  // The header fields: the cached ones when all_fields is false and the cache has them,
  // else the message's own; nullptr when the message cannot be read (expunged meanwhile).
  const std::vector<mime::HeaderField>* headers(bool all_fields);
  // The whole message (CRLF) and its structure; nullptr when it cannot be read.
  const mime::Part* root();
  std::string_view data() const { return data_; }

 private:
  bool load();
  std::string_view folder_;
  const mailstore::MailboxIndex& index_;
  const mailstore::MessageInfo& mi_;
  mailstore::HeaderCache* cache_;
  std::optional<time_t> arrival_;
  std::optional<std::vector<mime::HeaderField>> cached_;
  std::string data_;
  std::optional<mime::Part> root_;
  bool tried_load_ = false;
};

bool matches(const Query& q, Candidate& c);

}  // namespace posta::mailsearch
