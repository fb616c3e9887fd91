// The full-text index of one Maildir folder (INTERNALS.md "Full-text index"): a Xapian
// database in the folder's "posta-fts" directory with one document a message, its document
// id the message's UID, holding the trigram terms of its header fields and body text
// (trigrams.h, message_text.h).
//
// The index is an accelerator only: a search asks it for the UIDs whose documents may
// match, scans those plus every message without a document, and confirms each with the
// scan's matcher, so that the answer is the scan's answer. A missing index, one of another
// UIDVALIDITY, or one that fails while read is as if empty; catch_up() fills (and rebuilds)
// it incrementally, bounded in time, and only ever adds documents of messages present.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "fts/uid_hits.h"

namespace posta::mailstore {
class MailboxIndex;
}

namespace posta::fts {

enum class Field { kBody, kText };  // IMAP SEARCH BODY (body text), TEXT (header fields too)

// folder + "/posta-fts"
std::string index_dir(const std::string& folder);

// The index as it is when opened, for one search.
class FolderIndex {
 public:
  // nullptr when the folder has no usable index for uid_validity: none, another
  // UIDVALIDITY, or one Xapian cannot open (which is then discarded).
  static std::unique_ptr<FolderIndex> open(const std::string& folder, uint32_t uid_validity);
  ~FolderIndex();

  // The UIDs of the documents that may contain needle (mime::fold()ed by this function) in
  // field: those with every trigram of it, and the partial ones. nullopt when the needle has
  // no trigram, when a writer's commits overtook this reader, or when the index failed while
  // read (damaged() is then true: the caller discards it).
  UidHits find(std::string_view needle, Field field);
  // Whether uid has a document; a message without one is always scanned.
  bool indexed(uint32_t uid) const;
  // Whether the search must look at uid: hits do not exclude it.
  bool may_match(const UidHits& hits, uint32_t uid) const;
  bool damaged() const { return damaged_; }

 private:
  struct Db;
  explicit FolderIndex(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
  std::vector<uint32_t> indexed_;  // ascending
  bool damaged_ = false;
};

struct CatchUpStats {
  size_t added = 0;     // documents added
  size_t left = 0;      // messages still without one (the budget ran out)
  bool busy = false;    // another process holds the index: nothing done
  bool rebuilt = false; // the index was unusable and started again
  size_t dead = 0;      // documents of messages no longer in the folder (expunged)
  size_t documents = 0; // documents in the index after the pass, dead ones included
};

// Adds a document for each message of ix that has none, ascending UID, until budget has
// passed (at least one message is indexed when any lacks a document); commits every 1000
// and at the end. With rebuild, starts from an empty index.
[[nodiscard]] Result<CatchUpStats> catch_up(const mailstore::MailboxIndex& ix, std::chrono::milliseconds budget,
                                            bool rebuild = false);
// Whether the documents of expunged messages are a quarter of the index or more, so that
// rebuild_aside() is worth its cost: a rebuild indexes at most three live messages for each
// dead one it drops.
bool worth_rebuilding(const CatchUpStats& st);
// Builds the index of ix's messages anew beside the folder's and swaps it in: how the
// documents of expunged messages go (a document cannot be deleted from an index without
// termlists, and building without them is most of indexing's speed). Searches meanwhile use
// the old index; documents another process adds meanwhile are lost to the index (their
// messages are scanned and indexed again).
[[nodiscard]] Status rebuild_aside(const mailstore::MailboxIndex& ix);
// Removes the folder's index (renamed aside first, so that a process with it open is not
// disturbed). A missing index is no error.
[[nodiscard]] Status discard(const std::string& folder);
// Rewrites the folder's index with full blocks (Xapian's compaction: about a third of the
// size after a build) and swaps it in; a search meanwhile sees no index and scans, and
// documents another process adds meanwhile are lost to the index (their messages are then
// scanned and indexed again).
[[nodiscard]] Status compact(const std::string& folder);

}  // namespace posta::fts
