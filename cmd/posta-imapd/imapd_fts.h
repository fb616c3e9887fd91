// SEARCH BODY/TEXT through the folder's full-text index (lib/fts), and keeping the index up
// to date after SEARCH, APPEND, COPY and MOVE.
#pragma once
#include <chrono>

#include "fts/folder_index.h"
#include "imap/parser.h"
#include "mailstore/mailbox_index.h"

namespace posta::imapd {

// Time given to indexing after a BODY/TEXT search that had to scan messages without a
// document (the answer is sent first), and after an APPEND, COPY or MOVE into a folder
// that has an index.
inline constexpr std::chrono::milliseconds kSearchCatchUp{300};
inline constexpr std::chrono::milliseconds kAppendCatchUp{100};

bool has_text_key(const imap::SearchKey& k);
// The UIDs the index says k may match (nullopt: any); see lib/fts/uid_hits.h.
fts::UidHits fts_hits(const imap::SearchKey& k, fts::FolderIndex& index);
// fts::catch_up() within budget, logging what went wrong; with existing_only, only when the
// folder has an index already (folders nobody searched get none).
void fts_catch_up(const mailstore::MailboxIndex& ix, std::chrono::milliseconds budget, bool existing_only);

}  // namespace posta::imapd
