// The folders whose full-text index lags their messages (INTERNALS.md "Full-text index"):
// posta-local after a delivery, posta-imapd after APPEND, COPY, MOVE and EXPUNGE, and
// posta-mail after what it changes mark the folder here; the mailtasks service's indexer
// (`posta-mail index --changed`) takes the marks and brings those indexes up to date within
// seconds, so that delivery itself never waits for Xapian.
//
// $POSTA_HOME/mail/.fts-changed/ holds one file a folder, named by a hash of the folder's
// path and holding that path and a newline, written under a temporary name and renamed into
// place: marks of one folder coalesce, and a reader never sees half a path. A mark is a
// hint, not a record: it is not fsynced, and what a crash loses the periodic index pass
// finds. A taker removes a mark before it reads the folder, so that a change after the
// removal leaves a new mark.
#pragma once
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::fts {

// $POSTA_HOME/mail/.fts-changed
std::string changed_dir(const std::string& home);

// Marks folder (an absolute path) as changed.
[[nodiscard]] Status mark_changed(const std::string& home, const std::string& folder);

// Whether any folder is marked (a look at the directory).
bool any_changed(const std::string& home);

// Removes every mark and returns the folders they named; marks whose content is
// not an absolute path and a newline are removed and skipped. A missing directory is none.
[[nodiscard]] Result<std::vector<std::string>> take_changed(const std::string& home);

}  // namespace posta::fts
