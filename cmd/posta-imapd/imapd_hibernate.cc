// Hibernation (posta-imapd(8) HIBERNATION): a post-auth session that has idled in IDLE for
// control/imaphibernatetimeout seconds hands its client connection and its state
// (lib/imap/hibernation.h) to posta-imap-hibernate and exits; the daemon starts a new
// post-auth process with POSTA_IMAP_RESUME when the client or the folder wakes it, and that
// process resumes the same IDLE. When the daemon is not there or refuses, the session stays.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "control/control.h"
#include "imap/hibernation.h"
#include "imapd_session.h"
#include "io/fd.h"
#include "log/log.h"

extern char** environ;

namespace posta::imapd {
namespace {

using Clock = std::chrono::steady_clock;

int64_t steady_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Variables that name this process's descriptors, or that the state carries in its own
// fields, do not travel.
bool travels(std::string_view e) {
  for (std::string_view p : {"POSTA_TLS_CONTROL=", "POSTA_IMAP_HANDOFF=", "POSTA_IMAP_PENDING=", "POSTA_IMAP_TAG=",
                             "POSTA_IMAP_RESUME=", "POSTA_SESSION_DEADLINE=", "NOTIFY_SOCKET="})
    if (e.starts_with(p)) return false;
  return true;
}

// fd 0 and fd 1 as sent: one when they are the same socket (tcpd, tlsd), else both.
std::vector<int> client_fds() {
  struct stat a{}, b{};
  if (::fstat(0, &a) == 0 && ::fstat(1, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) return {0};
  return {0, 1};
}

}  // namespace

bool Session::try_hibernate(const std::string& tag, Clock::time_point idle_end, int64_t session_left_ms) {
  if (compressing_ || in_.buffered() != 0) return false;
  imap::HibernatedSession h;
  h.tag = tag;
  for (char** e = environ; *e; ++e)
    if (travels(*e)) h.env.emplace_back(*e);
  h.idle_end_ms = steady_ms(idle_end);
  h.session_left_ms = session_left_ms;
  h.condstore = condstore_;
  h.qresync = qresync_;
  h.rev2 = rev2_;
  h.utf8 = utf8_names_;
  if (sel_) {
    // Everything the folder holds is reported before the state is taken; a change after
    // the mtimes were read is seen by the daemon (this sync's own moves from new/ to cur/
    // happen before).
    imap::HibernatedMailbox m;
    m.dir = folders_->dir(sel_->name);
    if (!m.dir.starts_with('/')) {
      char cwd[4096];
      if (!::getcwd(cwd, sizeof cwd)) return false;
      m.dir = std::string(cwd) + "/" + m.dir;
    }
    sel_->dirty = true;
    sync(true);
    m.new_mtime_ns = imap::mtime_ns(m.dir + "/new");
    m.cur_mtime_ns = imap::mtime_ns(m.dir + "/cur");
    sel_->dirty = true;
    sync(true);
    if (!out_.flush()) return false;
    const Selected& s = *sel_;
    m.name = s.name;
    m.read_only = s.read_only;
    m.uid_validity = s.index->uid_validity();
    m.highest_modseq = s.index->highest_modseq();
    m.uids = imap::uid_runs(s.uids);
    m.recent = imap::uid_runs(s.recent);
    m.keywords_told = s.keywords_told;
    h.mailbox = std::move(m);
  }
  auto state = imap::encode_hibernated(h);
  if (!state) {
    log::info("not hibernating user=", user_, ": ", state.error().what);
    return false;
  }
  auto st = imap::hand_to_hibernation(imap::hibernate_socket(posta_home()), *state, client_fds(),
                                      std::chrono::seconds(5));
  if (!st) {
    log::info("not hibernating user=", user_, ": ", st.error().what);
    return false;
  }
  log::info("hibernated user=", user_, " ip=", remote_, " state=", state->size());
  return true;
}

// The process posta-imap-hibernate started: the state on the fd POSTA_IMAP_RESUME names.
bool Session::resume_hibernated() {
  const char* v = std::getenv("POSTA_IMAP_RESUME");
  int fd = v ? std::atoi(v) : -1;
  ::unsetenv("POSTA_IMAP_RESUME");
  if (fd < 3) return false;
  Fd owned(fd);
  auto text = read_all(fd, imap::kMaxHibernatedState);
  if (!text) {
    log::error("unable to read the hibernated state: ", text.error().what);
    return false;
  }
  auto h = imap::parse_hibernated(*text);
  if (!h) {
    log::error(h.error().what);
    return false;
  }
  condstore_ = h->condstore;
  qresync_ = h->qresync;
  rev2_ = h->rev2;
  utf8_names_ = h->utf8;
  in_.set_deadline(h->session_left_ms < 0 ? Deadline{}
                                          : Deadline::after(std::chrono::seconds((h->session_left_ms + 999) / 1000)));
  in_.deadline().export_env();
  resume_tag_ = h->tag;
  resume_idle_end_ = Clock::time_point(std::chrono::milliseconds(h->idle_end_ms));
  if (const auto& m = h->mailbox) {
    auto ix = folders_->exists(m->name) ? mailstore::MailboxIndex::open(folders_->dir(m->name))
                                        : Result<mailstore::MailboxIndex>(fail("no such mailbox"));
    if (!ix || ix->uid_validity() != m->uid_validity) {
      // RFC 3501 7.4.1: the only way to tell a session its mailbox is gone.
      log::info("resume user=", user_, ": mailbox ", m->name, " gone");
      out_.line("* BYE [UNAVAILABLE] Selected mailbox was deleted");
      return false;
    }
    Selected s;
    s.name = m->name;
    s.read_only = m->read_only;
    s.index = std::make_unique<mailstore::MailboxIndex>(std::move(*ix));
    if (auto w = mailstore::Watcher::watch(folders_->dir(m->name))) s.watcher = std::move(*w);
    s.uids = imap::expand_uid_runs(m->uids);
    s.flags.reserve(s.uids.size());
    // Flags changed after the state was taken have a higher modseq: reported by the sync.
    for (size_t i = 0; i < s.uids.size(); ++i) {
      const auto* mi = s.index->find(s.uids[i], i);
      s.flags.push_back(mi && mi->modseq <= m->highest_modseq ? mi->flags_set : ~uint64_t{0});
    }
    s.recent = imap::expand_uid_runs(m->recent);
    s.keywords_told = m->keywords_told;
    s.keywords_version_told = 0;  // tell_new_keywords() compares the lists
    s.dirty = true;
    s.synced_generation = ~uint64_t{0};
    sel_ = std::move(s);
  }
  log::info("resumed user=", user_, " ip=", remote_);
  return true;
}

}  // namespace posta::imapd
