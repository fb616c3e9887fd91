// One IMAP session on fd 0/1: the pre-authentication half (greeting, CAPABILITY, STARTTLS,
// LOGIN/AUTHENTICATE handed to posta-auth) and the post-authentication half (mailboxes).
#pragma once
#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/credentials.h"
#include "control/control.h"
#include "tls/tls_control.h"
#include "imap/command_reader.h"
#include "imap/parser.h"
#include "imap/sort.h"
#include "imap/writer.h"
#include "mailstore/acl.h"
#include "mailstore/folders.h"
#include "mailstore/header_cache.h"
#include "mailstore/mailbox_index.h"
#include "mailstore/sort_cache.h"
#include "mailstore/watcher.h"
#include "mime/message.h"

namespace posta::imapd {

struct Config {
  size_t max_message = 64u << 20;  // control/databytes-like limit for APPEND
  int preauth_timeout = 120;       // seconds
  int idle_timeout = 1800;         // seconds (RFC 3501: at least 30 minutes); bounds each IDLE
  int write_timeout = 300;         // seconds a write may wait for the client to read
  int session_limit = 14400;       // seconds from connect, time in IDLE not counted; 0 = none
  bool plaintext_ok = false;       // control/authplaintext
  int hibernate_timeout = 30;      // seconds in IDLE before hibernating; 0 = never
};

// The prefix of the Other Users namespace (RFC 2342): "Other Users.<owner>.<folder>" is
// the folder of owner (an address of the user's domain) shared with the user (RFC 4314).
inline constexpr std::string_view kOtherUsers = "Other Users";

// A mailbox name resolved (imapd_shared.cc): one of the user's own folders, or a folder of
// another user of her domain in the Other Users namespace.
struct MailboxRef {
  std::string name;     // as the client names it (stored form)
  std::string owner;    // the owner's address; "" for the user's own
  std::string folder;   // the folder's name in the owner's store
  std::string maildir;  // the owner's Maildir
  std::string dir;      // the folder's directory
  std::string quota;    // the owner's quota (maildir::quota_from_env form)
  bool exists = false;
  mailstore::Rights rights = mailstore::Rights::all();  // the user's rights on it
  bool shared() const { return !owner.empty(); }
  // A folder the user may know exists: RFC 4314 6 answers as for a missing one otherwise.
  bool visible() const { return exists && !rights.empty(); }
};

// The selected mailbox as this session sees it (sequence numbers are per session).
struct Selected {
  std::string name;
  bool read_only = false;
  MailboxRef ref;  // where it is and what the user may do in it
  std::unique_ptr<mailstore::MailboxIndex> index;
  std::vector<uint32_t> uids;                       // seq - 1 -> uid
  std::vector<uint64_t> flags;                      // seq - 1 -> flag_bits last reported
  std::vector<uint32_t> recent;                     // this session's \Recent UIDs, ascending
  bool is_recent(uint32_t uid) const { return std::binary_search(recent.begin(), recent.end(), uid); }
  std::optional<mailstore::Watcher> watcher;
  std::vector<std::string> keywords_told;  // index->keywords() as the last * FLAGS named them
  uint64_t keywords_version_told = 0;      // index->keywords_version() then
  bool dirty = true;  // refresh needed before the next sync
  uint64_t synced_generation = 0;  // index->generation() at the last complete sync
  std::unique_ptr<mailstore::HeaderCache> headers;  // opened by the first header SEARCH
  std::vector<uint32_t> saved;  // SEARCHRES "$": the UIDs SEARCH RETURN (SAVE) saved, ascending
  bool is_saved(uint32_t uid) const { return std::binary_search(saved.begin(), saved.end(), uid); }
  // SORT and THREAD keys, extracted at first use (bounded: imap/sort.h), of the messages
  // sort_uids names (ascending): by position, aligned with uids again after a change.
  std::vector<imap::SortFields> sort_fields;
  std::vector<uint32_t> sort_uids;
  std::optional<mailstore::SortCache> sort_cache;  // posta-sort.cache, read at first need
  size_t sort_computed = 0;  // dates and subjects not in it, extracted by this command
  bool headers_open = false;  // the header cache was loaded for this command
  std::unordered_map<uint32_t, time_t> arrival;  // internal dates SORT ARRIVAL read
};

// A loaded message for FETCH/SEARCH (CRLF form, parsed on demand).
struct Loaded {
  uint32_t uid = 0;
  std::string data;
  std::optional<mime::Part> root;
  const mime::Part& part();
  // From the header cache (SEARCH on header keys only): the cached fields, parsed on demand.
  std::optional<std::string_view> cached_fields;
  std::optional<std::vector<mime::HeaderField>> cached_headers;
};

class Session {
 public:
  Session(Config cfg, bool post_auth);
  int run();

 private:
  using Parser = imap::Parser;
  // dispatch
  void greet();
  bool handle(const imap::ReadResult& r);  // false: end the session
  void session_expired();                  // the BYE and the log line
  bool command(const std::string& tag, const std::string& name, Parser& p);
  std::string capabilities() const;
  // The tagged reply is written after the untagged updates of sync().
  void ok(const std::string& tag, const std::string& text) { tagged_ = tag + " OK " + text; }
  void no(const std::string& tag, const std::string& text) { tagged_ = tag + " NO " + text; }
  void bad(const std::string& tag, const std::string& text) { tagged_ = tag + " BAD " + text; }

  // pre-auth (imapd_auth.cc)
  void cmd_starttls(const std::string& tag, Parser& p);
  void cmd_login(const std::string& tag, Parser& p);
  void cmd_authenticate(const std::string& tag, Parser& p);
  void authenticate(const std::string& tag, const auth::Credentials& cred);
  bool start_post_auth();
  void cmd_id(const std::string& tag, Parser& p);

  // mailboxes (imapd_mailbox.cc)
  void cmd_list(const std::string& tag, Parser& p, bool lsub);
  void cmd_create(const std::string& tag, Parser& p);
  void cmd_delete(const std::string& tag, Parser& p);
  void cmd_rename(const std::string& tag, Parser& p);
  void cmd_subscribe(const std::string& tag, Parser& p, bool on);
  void cmd_status(const std::string& tag, Parser& p);
  // "(MESSAGES UNSEEN ...)" for STATUS and LIST RETURN (STATUS ...); nullopt: BAD.
  std::optional<std::vector<std::string>> status_items(Parser& p);
  // "MESSAGES 3 UNSEEN 1" of a mailbox (existing); nullopt with error when unreadable.
  std::optional<std::string> status_text(const MailboxRef& box, const std::vector<std::string>& items,
                                         std::string& error);
  void cmd_select(const std::string& tag, Parser& p, bool read_only);
  void cmd_enable(const std::string& tag, Parser& p);
  void cmd_namespace(const std::string& tag);
  void cmd_quota(const std::string& tag, Parser& p, const std::string& name);
  void cmd_append(const std::string& tag, Parser& p);
  std::optional<std::string> mailbox_arg(const std::string& tag, Parser& p);
  // Mailbox names as the client writes them -> as stored (modified UTF-7), and stored ->
  // quoted for a response: UTF-8 after ENABLE UTF8=ACCEPT or IMAP4rev2, else unchanged.
  std::string name_in(const std::string& raw) const;
  std::string name_out(const std::string& stored) const;
  bool over_quota(const MailboxRef& to, uint64_t bytes, uint64_t count);
  void count_in_quota(const MailboxRef& to, int64_t bytes, int64_t count);

  // shared folders and ACL (imapd_shared.cc, imapd_acl.cc)
  // name (checked) resolved; nullopt: a name of the Other Users namespace that names no
  // user of the domain (answered as a missing mailbox).
  std::optional<MailboxRef> resolve(const std::string& name);
  // The owner's Maildir and quota, from the accounts' published copy (cached per session);
  // false for an unknown or disabled user.
  bool owner_store(const std::string& owner, std::string& maildir, std::string& quota);
  // The folders of others shared with the user that she may look up, as mailbox names.
  std::vector<std::string> shared_mailboxes();
  // The NO for a command that needs right on a mailbox the user may see.
  void no_right(const std::string& tag, char right, const std::string& what);
  void cmd_setacl(const std::string& tag, Parser& p, bool del);
  void cmd_getacl(const std::string& tag, Parser& p);
  void cmd_listrights(const std::string& tag, Parser& p);
  void cmd_myrights(const std::string& tag, Parser& p);
  // A visible mailbox for the ACL commands; nullopt after answering.
  std::optional<MailboxRef> acl_mailbox(const std::string& tag, Parser& p);

  // selected state (imapd_selected.cc)
  void sync(bool allow_expunge);
  // The messages from position first of the view on are new to this session: moves those
  // still in new/ to cur/ and takes the \Recent ones (mailstore/recent.h).
  void take_recent(size_t first);
  void close_mailbox(bool expunge);
  void cmd_expunge(const std::string& tag, Parser& p, bool uid);
  void cmd_copy(const std::string& tag, Parser& p, bool uid, bool move);
  bool learning_wanted() const;
  // resumed: the IDLE a hibernated session was in (no continuation line; resume_idle_end_).
  void cmd_idle(const std::string& tag, bool resumed = false);

  // hibernation (imapd_hibernate.cc)
  // Hands the client connection and the session's state to posta-imap-hibernate; true when
  // the daemon holds them (the process then ends without writing to the client).
  bool try_hibernate(const std::string& tag, std::chrono::steady_clock::time_point idle_end,
                     int64_t session_left_ms);
  // Restores the state posta-imap-hibernate passed (POSTA_IMAP_RESUME); false: end the session.
  bool resume_hibernated();
  std::string resume_tag_;  // not empty: run() resumes this IDLE first
  std::chrono::steady_clock::time_point resume_idle_end_;
  bool hibernated_ = false;
  std::vector<uint32_t> resolve_set(const imap::SequenceSet& set, bool uid) const;  // -> seqs
  // The UIDs a UID set names, as intervals, "$" included.
  std::vector<imap::SequenceSet::Interval> uid_intervals(const imap::SequenceSet& set) const;
  // FLAGS and PERMANENTFLAGS; tell_new_keywords() repeats them when the folder has keywords
  // the session has not been told about (RFC 3501 7.2.6), before any FETCH could show one.
  void tell_flags();
  void tell_new_keywords();
  std::string flags_text(uint32_t uid, const std::string& letters);
  // The index letters of flags; an error (the NO text) for an unknown system flag, or when
  // allocate and the mailbox has no room for another keyword.
  Result<std::string> letters_from(const std::vector<std::string>& flags, bool allocate);

  // CONDSTORE and QRESYNC (imapd_condstore.cc)
  // A CONDSTORE-enabling command (RFC 7162 3.1): from now on FETCH responses carry MODSEQ;
  // with a mailbox selected, its HIGHESTMODSEQ is announced once.
  void enable_condstore();
  // SELECT/EXAMINE (QRESYNC ...): VANISHED (EARLIER) and FETCH of what changed since.
  void qresync_select(const imap::QresyncParams& q);
  // "* VANISHED (EARLIER) ..." for the UIDs of range (1..UIDNEXT-1 cut) expunged since
  // modseq; nothing when none.
  void vanished_earlier(const std::vector<imap::SequenceSet::Interval>& range, uint64_t modseq);
  std::string modseq_item(const mailstore::MessageInfo& mi) const {
    return "MODSEQ (" + std::to_string(mi.modseq) + ")";
  }

  // fetch and store (imapd_fetch.cc)
  void cmd_fetch(const std::string& tag, Parser& p, bool uid);
  void cmd_store(const std::string& tag, Parser& p, bool uid);
  bool load(uint32_t uid, Loaded& m);
  std::string fetch_item(uint32_t seq, const imap::FetchAtt& a, Loaded& m, bool& set_seen);
  std::string binary_item(const imap::FetchAtt& a, Loaded& m);
  bool unknown_cte_ = false;  // a BINARY item met an encoding it cannot undo
  uint64_t rfc822_size(const mailstore::MessageInfo& mi);
  time_t internal_date(const mailstore::MessageInfo& mi);

  // search (imapd_search.cc)
  void cmd_search(const std::string& tag, Parser& p, bool uid);
  bool matches(const imap::SearchKey& k, uint32_t seq, Loaded& m, bool& loaded);
  // The answer to a SEARCH: "* SEARCH ..." or, with RETURN, "* ESEARCH ..." (RFC 4731);
  // SAVE keeps the result for "$" (RFC 5182). found: sequence numbers, ascending, or with
  // sorted in SORT's order (ESORT, RFC 5267: MIN and MAX the first and last, ALL in order).
  void search_results(const std::string& tag, bool uid, std::optional<imap::SearchReturn> ret,
                      const std::vector<uint32_t>& found, uint64_t highest_modseq, bool sorted = false);
  std::optional<std::string_view> cached_fields(const mailstore::MessageInfo& mi);
  // Sends the command's answer, then fts_catch_up() (imapd_fts.cc): the client never waits
  // for indexing.
  void catch_up_after_answer(const mailstore::MailboxIndex& ix);
  // After the answer to a command that ran search_matching(): a damaged index discarded,
  // then the folder's index caught up when the search scanned messages it lacks.
  void fts_after_answer();
  bool fts_discard_ = false, fts_catch_up_ = false;

  // The sequence numbers of the messages prog matches, ascending; highest: their highest
  // MODSEQ when prog has a MODSEQ key.
  std::vector<uint32_t> search_matching(const imap::SearchKey& prog, uint64_t& highest);

  // SORT and THREAD (imapd_sort.cc, imapd_thread.cc)
  void cmd_sort(const std::string& tag, Parser& p, bool uid);
  void cmd_thread(const std::string& tag, Parser& p, bool uid);
  // "SP charset SP search-keys" (a charset is required); nullopt after answering NO or BAD.
  std::optional<imap::SearchKey> sort_search_args(const std::string& tag, Parser& p);
  // The sequence numbers prog matches, ascending; highest as search_matching() gives it.
  std::vector<uint32_t> sort_candidates(const imap::SearchKey& prog, uint64_t& highest);
  // The sort keys of a message with at least parts (imap::SortPart bits), each part
  // extracted once per selected mailbox; nullptr when the message is gone.
  const imap::SortFields* sort_fields_of(uint32_t seq, uint8_t parts);
  time_t arrival_of(const mailstore::MessageInfo& mi);  // internal_date(), remembered
  void open_headers();
  void done_with_headers();

  // COMPRESS=DEFLATE (imapd_compress.cc): answers OK uncompressed, then both directions
  // go through zlib.
  void cmd_compress(const std::string& tag, Parser& p);
  bool compressing_ = false;

  void audit_command(const std::string& cmd, const imap::RawCommand& raw);  // imapd_audit.cc
  bool keep_if_held(const mailstore::MessageInfo& m);  // false: keep the message (imapd_hold.cc)
  bool keep_folder_if_held(const MailboxRef& mailbox);  // false: keep the folder (imapd_hold.cc)
  bool on_hold();  // the user is on legal hold (control/legalhold)
  bool on_hold(const std::string& who);  // the owner of a shared folder is

  Config cfg_;
  Control control_;
  LineReader in_;
  imap::Output out_;
  imap::CommandReader reader_;
  bool authenticated_ = false;
  bool tls_ = false;
  std::optional<StartTls> tls_ctl_;
  std::string user_, login_, remote_;
  std::string maildir_;
  std::unique_ptr<mailstore::Folders> folders_;
  std::string domain_;  // of user_: the only domain whose folders can be shared with her
  std::map<std::string, std::optional<std::pair<std::string, std::string>>> owners_;  // owner_store()
  std::optional<Selected> sel_;
  std::unordered_map<std::string, uint64_t> size_cache_;  // base -> RFC822.SIZE
  bool logout_ = false;
  bool post_auth_ = false;
  bool condstore_ = false;  // RFC 7162: enabled by ENABLE or a CONDSTORE-enabling command
  bool qresync_ = false;    // ENABLE QRESYNC: VANISHED instead of EXPUNGE
  bool rev2_ = false;       // ENABLE IMAP4rev2 (RFC 9051): no \Recent, ESEARCH answers
  bool utf8_names_ = false; // ENABLE UTF8=ACCEPT (RFC 6855) or IMAP4rev2: UTF-8 mailbox names
  std::string tagged_;
  uint64_t bytes_in_ = 0;
};

std::string imap_date(time_t t);  // "01-Jan-2024 10:00:00 +0000"

}  // namespace posta::imapd
