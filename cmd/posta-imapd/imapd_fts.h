// SEARCH BODY/TEXT through the folder's full-text index (lib/fts), and keeping the index up
// to date: a catch-up after a SEARCH that scanned, and a mark for the mailtasks service's
// indexer (lib/fts/changed_folders.h) after APPEND, COPY, MOVE and EXPUNGE.
#pragma once
#include <chrono>

#include "fts/folder_index.h"
#include "imap/parser.h"
#include "mailstore/mailbox_index.h"

namespace posta::imapd {

// Time given to indexing after a BODY/TEXT search that had to scan messages without a
// document (the answer is sent first).
inline constexpr std::chrono::milliseconds kSearchCatchUp{300};

bool has_text_key(const imap::SearchKey& k);
// The UIDs the index says k may match (nullopt: any); see lib/fts/uid_hits.h.
fts::UidHits fts_hits(const imap::SearchKey& k, fts::FolderIndex& index);
// fts::catch_up() within budget, logging what went wrong.
void fts_catch_up(const mailstore::MailboxIndex& ix, std::chrono::milliseconds budget);
// Marks ix's folder for the indexer: messages came or went.
void note_changed(const mailstore::MailboxIndex& ix);

}  // namespace posta::imapd
