#include "fts/folder_index.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <random>
#include <xapian.h>

#include "fts/message_text.h"
#include "fts/trigrams.h"
#include "mailstore/mailbox_index.h"
#include "mime/decode.h"

namespace posta::fts {
namespace {

constexpr const char* kPartialTerm = "XP";   // over a bound of message_text.h: always a candidate
constexpr const char* kFormat = "posta-fts 1";
constexpr size_t kCommitEvery = 1000;

bool dir_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Every document id, ascending (the document length list holds every document).
std::vector<uint32_t> all_docids(const Xapian::Database& db) {
  std::vector<uint32_t> out;
  out.reserve(db.get_doccount());
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) out.push_back(*it);
  return out;
}

Xapian::Document document_of(const MessageText& t) {
  Xapian::Document doc;
  if (t.partial) {
    doc.add_boolean_term(kPartialTerm);
    return doc;
  }
  for (Trigram g : trigrams(t.headers)) doc.add_boolean_term(term('H', g));
  for (Trigram g : trigrams(t.body)) doc.add_boolean_term(term('B', g));
  return doc;
}

// For this UIDVALIDITY and format; an index without them is new (or from another folder
// state) and is started again.
bool matches_folder(const Xapian::Database& db, uint32_t uid_validity) {
  return db.get_metadata("format") == kFormat && db.get_metadata("uidvalidity") == std::to_string(uid_validity);
}

}  // namespace

struct FolderIndex::Db {
  Xapian::Database db;
};

std::string index_dir(const std::string& folder) { return folder + "/posta-fts"; }

FolderIndex::FolderIndex(std::unique_ptr<Db> db) : db_(std::move(db)) {}
FolderIndex::~FolderIndex() = default;

std::unique_ptr<FolderIndex> FolderIndex::open(const std::string& folder, uint32_t uid_validity) {
  std::string dir = index_dir(folder);
  if (!dir_exists(dir)) return nullptr;
  try {
    auto db = std::make_unique<Db>(Db{Xapian::Database(dir)});
    if (!matches_folder(db->db, uid_validity)) return nullptr;
    std::unique_ptr<FolderIndex> fi(new FolderIndex(std::move(db)));
    fi->indexed_ = all_docids(fi->db_->db);
    return fi;
  } catch (const Xapian::DatabaseModifiedError&) {
    return nullptr;  // a writer committed twice while this read: not damage, scan this time
  } catch (const Xapian::Error&) {
    (void)discard(folder);
    return nullptr;
  }
}

UidHits FolderIndex::find(std::string_view needle, Field field) {
  if (damaged_) return std::nullopt;
  auto grams = trigrams(mime::fold(needle));
  if (grams.empty()) return std::nullopt;
  std::vector<Xapian::Query> each;
  for (Trigram g : grams) {
    Xapian::Query body(term('B', g));
    each.push_back(field == Field::kBody ? body : Xapian::Query(Xapian::Query::OP_OR, body, Xapian::Query(term('H', g))));
  }
  Xapian::Query q(Xapian::Query::OP_OR, Xapian::Query(Xapian::Query::OP_AND, each.begin(), each.end()),
                  Xapian::Query(kPartialTerm));
  try {
    Xapian::Enquire enquire(db_->db);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    enquire.set_docid_order(Xapian::Enquire::ASCENDING);
    Xapian::MSet mset = enquire.get_mset(0, db_->db.get_doccount());
    std::vector<uint32_t> out;
    out.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) out.push_back(*it);
    std::sort(out.begin(), out.end());
    return out;
  } catch (const Xapian::DatabaseModifiedError&) {
    return std::nullopt;
  } catch (const Xapian::Error&) {
    damaged_ = true;
    return std::nullopt;
  }
}

bool FolderIndex::indexed(uint32_t uid) const { return std::binary_search(indexed_.begin(), indexed_.end(), uid); }

bool FolderIndex::may_match(const UidHits& hits, uint32_t uid) const {
  return !hits || std::binary_search(hits->begin(), hits->end(), uid) || !indexed(uid);
}

Status discard(const std::string& folder) {
  std::string dir = index_dir(folder);
  if (!dir_exists(dir)) return {};
  std::string aside = dir + ".discarded." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}());
  if (::rename(dir.c_str(), aside.c_str()) != 0) return fail_sys("unable to rename " + dir);
  std::error_code ec;
  std::filesystem::remove_all(aside, ec);
  if (ec) return fail("unable to remove " + aside + ": " + ec.message());
  return {};
}

namespace {

std::string aside_tag() { return std::to_string(::getpid()) + "." + std::to_string(std::random_device{}()); }

// Puts the index built in fresh in the place of the folder's, and removes the old one.
Status swap_in(const std::string& folder, const std::string& fresh, const std::string& tag) {
  std::string dir = index_dir(folder), old = dir + ".discarded." + tag;
  std::error_code ec;
  if (::rename(dir.c_str(), old.c_str()) != 0 && errno != ENOENT) {
    auto err = fail_sys("unable to swap in " + fresh);
    std::filesystem::remove_all(fresh, ec);
    return err;
  }
  if (::rename(fresh.c_str(), dir.c_str()) != 0) {
    auto err = fail_sys("unable to swap in " + fresh);
    std::filesystem::remove_all(fresh, ec);
    return err;
  }
  std::filesystem::remove_all(old, ec);
  return {};
}

}  // namespace

Status compact(const std::string& folder) {
  std::string dir = index_dir(folder), tag = aside_tag();
  std::string fresh = dir + ".compact." + tag;
  try {
    Xapian::Database(dir).compact(fresh, Xapian::DBCOMPACT_NO_RENUMBER);
  } catch (const Xapian::Error& e) {
    std::error_code ec;
    std::filesystem::remove_all(fresh, ec);
    return fail("unable to compact " + dir + ": " + e.get_description());
  }
  return swap_in(folder, fresh, tag);
}

namespace {

// One pass of catch_up() over an open index; returns the stats so far.
CatchUpStats fill(Xapian::WritableDatabase& db, const mailstore::MailboxIndex& ix,
                  std::chrono::steady_clock::time_point deadline) {
  CatchUpStats st;
  std::vector<uint32_t> have = all_docids(db);
  std::vector<const mailstore::MessageInfo*> todo;
  size_t live = 0;
  for (const auto& m : ix.messages()) {
    if (std::binary_search(have.begin(), have.end(), m.uid)) ++live;
    else todo.push_back(&m);
  }
  st.dead = have.size() - live;
  st.left = todo.size();
  for (const auto* m : todo) {
    if (st.added > 0 && std::chrono::steady_clock::now() >= deadline) break;
    db.replace_document(m->uid, document_of(message_text_of_file(ix.path(*m))));
    ++st.added;
    --st.left;
    if (st.added % kCommitEvery == 0) db.commit();
  }
  db.commit();
  st.documents = live + st.added + st.dead;
  return st;
}

void start_index(Xapian::WritableDatabase& db, uint32_t uid_validity) {
  db.set_metadata("format", kFormat);
  db.set_metadata("uidvalidity", std::to_string(uid_validity));
}

}  // namespace

Result<CatchUpStats> catch_up(const mailstore::MailboxIndex& ix, std::chrono::milliseconds budget, bool rebuild) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  const std::string& folder = ix.folder();
  bool rebuilt = false;
  if (rebuild)
    if (auto s = discard(folder); !s) return std::unexpected(s.error());
  for (int attempt = 0;; ++attempt) {
    try {
      Xapian::WritableDatabase db(index_dir(folder), Xapian::DB_CREATE_OR_OPEN | Xapian::DB_NO_TERMLIST);
      if (!matches_folder(db, ix.uid_validity())) {
        if (db.get_doccount() > 0) throw Xapian::DatabaseError("index of another UIDVALIDITY or format");
        start_index(db, ix.uid_validity());
      }
      CatchUpStats st = fill(db, ix, deadline);
      st.rebuilt = rebuilt;
      return st;
    } catch (const Xapian::DatabaseLockError&) {
      CatchUpStats st;
      st.busy = true;
      return st;
    } catch (const Xapian::Error& e) {
      if (attempt > 0) return fail("full-text index of " + folder + ": " + e.get_description());
      if (auto s = discard(folder); !s) return std::unexpected(s.error());
      rebuilt = true;
    }
  }
}

bool worth_rebuilding(const CatchUpStats& st) { return st.dead > 0 && st.dead * 4 >= st.documents; }

Status rebuild_aside(const mailstore::MailboxIndex& ix) {
  std::string tag = aside_tag(), fresh = index_dir(ix.folder()) + ".build." + tag;
  try {
    Xapian::WritableDatabase db(fresh, Xapian::DB_CREATE | Xapian::DB_NO_TERMLIST);
    start_index(db, ix.uid_validity());
    (void)fill(db, ix, std::chrono::steady_clock::time_point::max());
    db.close();
  } catch (const Xapian::Error& e) {
    std::error_code ec;
    std::filesystem::remove_all(fresh, ec);
    return fail("unable to rebuild the full-text index of " + ix.folder() + ": " + e.get_description());
  }
  return swap_in(ix.folder(), fresh, tag);
}

}  // namespace posta::fts
