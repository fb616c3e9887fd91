// The state of a hibernated IMAP session: what a post-auth posta-imapd in IDLE hands to
// posta-imap-hibernate with its client connection, and what the posta-imapd that resumes the
// session reads back (INTERNALS.md "IMAP hibernation"). Text, one field a line, in a fixed
// order; the parser is strict (every field checked, nothing after "end") because the
// daemon must refuse a malformed state without harming the sessions it holds.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace posta::imap {

// Ascending, disjoint, non-adjacent runs of UIDs (lo <= hi): a folder's UIDs are mostly
// consecutive, so a view of 100,000 messages is usually a few runs.
using UidRuns = std::vector<std::pair<uint32_t, uint32_t>>;
UidRuns uid_runs(const std::vector<uint32_t>& ascending);
std::vector<uint32_t> expand_uid_runs(const UidRuns& runs);
uint64_t count_uid_runs(const UidRuns& runs);

struct HibernatedMailbox {
  std::string name;  // as stored (modified UTF-7)
  std::string dir;   // the folder's directory (absolute): the daemon watches new/ and cur/
  bool read_only = false;
  uint32_t uid_validity = 0;
  uint64_t highest_modseq = 0;  // of the index at the last sync: flags of messages above it were not reported
  // st_mtim of new/ and cur/ (ns) before the last sync: a change since is seen by the
  // daemon, whose watches start only when it takes the session over.
  int64_t new_mtime_ns = 0, cur_mtime_ns = 0;
  UidRuns uids;                 // the session's view: sequence number n is the n-th UID
  UidRuns recent;               // this session's \Recent UIDs (a subset of uids)
  std::vector<std::string> keywords_told;  // as the last * FLAGS named them ("" for a gap)
  bool operator==(const HibernatedMailbox&) const = default;
};

struct HibernatedSession {
  std::string tag;               // of the IDLE command: DONE after resuming answers it
  std::vector<std::string> env;  // NAME=value: the post-auth process's environment
  int64_t idle_end_ms = 0;       // CLOCK_MONOTONIC ms at which the IDLE ends (imaptimeout)
  int64_t session_left_ms = -1;  // session time left, IDLE not counted; -1: no limit
  bool condstore = false, qresync = false, rev2 = false, utf8 = false;  // ENABLEd
  std::optional<HibernatedMailbox> mailbox;  // the selected folder, if any
  bool operator==(const HibernatedSession&) const = default;
};

inline constexpr size_t kMaxHibernatedState = 1 << 20;  // bytes of the encoded state
inline constexpr size_t kMaxHibernatedEnv = 256;        // entries
inline constexpr size_t kMaxHibernatedField = 4096;     // bytes of one line

// Fails when a field cannot be encoded (a byte LF, CR or NUL in a string, an env entry
// without "=", too many entries, or more than kMaxHibernatedState bytes): the session then
// stays in its process.
[[nodiscard]] Result<std::string> encode_hibernated(const HibernatedSession& s);
[[nodiscard]] Result<HibernatedSession> parse_hibernated(std::string_view text);

// The frame on posta-imap-hibernate's socket: "posta-hibernate 1 <length> <fds>\n", sent
// with the fds (SCM_RIGHTS), then <length> bytes of state. fds: 1 (fd 0 and 1 of the session
// are one socket) or 2 (fd 0, then fd 1).
std::string hibernate_frame_header(size_t length, int fds);
// The length and the number of fds from a complete header line (without its LF).
[[nodiscard]] Result<std::pair<size_t, int>> parse_hibernate_frame_header(std::string_view line);

}  // namespace posta::imap

namespace posta::imap {

// $POSTA_HOME/run/imap-hibernate.sock
std::string hibernate_socket(const std::string& home);

// st_mtim of path in ns (0 when it cannot be read): HibernatedMailbox's mtimes.
int64_t mtime_ns(const std::string& path);

// posta-imapd's side of the socket: sends the frame (state with fds) and waits up to
// timeout for the answer, "ok" (the daemon holds the connection now: the caller must exit
// without another byte to the client) or "no <reason>" (an error: the caller keeps the session).
[[nodiscard]] Status hand_to_hibernation(const std::string& socket, std::string_view state,
                                         const std::vector<int>& fds, std::chrono::milliseconds timeout);

}  // namespace posta::imap
