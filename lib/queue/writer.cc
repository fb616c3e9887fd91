#include "queue/writer.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>

#include "base/exitcode.h"
#include "io/fd.h"
#include "queue/envelope.h"
#include "queue/journal.h"
#include "queue/maildate.h"
#include "queue/normalize.h"

namespace posta::queue {
namespace {

using Outcome = WriteOutcome;

// Removes what an unfinished injection left, unless committed.
struct Cleanup {
  std::string mess, intd;
  bool committed = false;
  ~Cleanup() {
    if (committed) return;
    if (!intd.empty()) ::unlink(intd.c_str());
    if (!mess.empty()) ::unlink(mess.c_str());
  }
};

Outcome write_error(const Error& e) { return {kQueueWriteError, e.what}; }

bool disk_full(const Error& e) { return e.code == ENOSPC || e.code == EDQUOT; }

// Creates mess/<id> exclusively; a new id on a collision. The thread id, not the pid, goes
// into the id: posta-queued writes several messages at once (in posta-queue they are equal).
Result<Fd> create_message(const Spool& spool, std::string& id) {
  pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    id = make_id(tv.tv_sec, tv.tv_usec + attempt, tid);
    int fd = ::open(spool.mess(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd >= 0) return Fd(fd);
    if (errno != EEXIST) return fail_sys("unable to create " + spool.mess(id));
  }
  return fail("unable to find a free queue id");
}

std::string received_line(const std::string& id, const Injection& in) {
  std::string who = in.from_network ? "invoked from network" : "invoked by uid " + std::to_string(in.caller_uid);
  return "Received: (posta-queue " + id + " " + who + "); " + rfc5322_date(::time(nullptr)) + "\n";
}

// Copies the message after the Received line in its stored form (normalize.h, which may
// refuse it); limit 0 = unlimited (counts the message as read).
Outcome copy_message(int in, int out, const std::string& received, long long limit) {
  std::string buf = received;
  MessageNormalizer lines;
  long long total = 0;
  char chunk[65536];
  for (;;) {
    ssize_t r = ::read(in, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return {kQueueCannotReadInput, sys_error("unable to read the message").what};
    if (r == 0) break;
    total += r;
    if (limit > 0 && total > limit)
      return {kQueueCustomMessage, "D5.3.4 Message too big (limit " + std::to_string(limit) + " bytes)"};
    lines.feed(std::string_view(chunk, static_cast<size_t>(r)), buf);
    if (lines.refused()) return {kQueueCustomMessage, "D" + lines.refusal()};
    if (buf.size() >= sizeof chunk) {
      if (auto w = write_all(out, buf); !w) return write_error(w.error());
      buf.clear();
    }
  }
  lines.finish();
  if (lines.refused()) return {kQueueCustomMessage, "D" + lines.refusal()};
  if (auto w = write_all(out, buf); !w) return write_error(w.error());
  if (::fsync(out) != 0) return write_error(sys_error("unable to fsync the message"));
  return {};
}

// Reads the envelope up to its final NUL (the writer may keep the pipe open).
Outcome read_envelope(int in, Envelope& env) {
  std::string data;
  char chunk[8192];
  size_t len = 0;
  while ((len = injected_length(data)) == 0) {
    ssize_t r = ::read(in, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return {kQueueCannotReadInput, sys_error("unable to read the envelope").what};
    if (r == 0 && data.empty()) return {kQueueEnvelopeFormat, "no envelope: the message was given up", true};
    if (r == 0) return {kQueueEnvelopeFormat, "envelope ends before its final NUL"};
    data.append(chunk, static_cast<size_t>(r));
    if (data.size() > kMaxEnvelope) return {kQueueEnvelopeFormat, "envelope too large"};
  }
  if (len != data.size()) return {kQueueEnvelopeFormat, "bytes after the end of the envelope"};
  auto e = parse_injected(data);
  if (!e) return {e.error().code == kEnvelopeTooLong ? kQueueAddressTooLong : kQueueEnvelopeFormat,
                  "bad envelope: " + e.error().what};
  env = std::move(*e);
  return {};
}

// DSN and SMTP extras (posta-queue(8) ENVIRONMENT).
Outcome add_extras(Envelope& env, const Injection& in) {
  env.arrival = ::time(nullptr);
  env.uid = in.caller_uid;
  env.pid = in.writer_pid;
  env.auth_user = in.auth_user;
  env.ret = in.dsn_ret;
  env.envid = in.dsn_envid;
  env.body = in.body;
  env.smtputf8 = in.smtputf8;
  auto origin = injection_origin(in);
  if (!origin) return {kQueueEnvelopeFormat, origin.error().what};
  env.origin = *origin;
  // Validate through the stored-form parser, so that what is written can be read back.
  auto back = parse_stored(encode_stored(env));
  if (!back) return {kQueueEnvelopeFormat, "bad DSN/SMTP environment: " + back.error().what};
  return {};
}

Outcome commit(const Spool& spool, const std::string& id, const Envelope& env, Cleanup& guard) {
  guard.intd = spool.intd(id);
  // 0660: posta-send (spool group, system mode) hard-links todo/<id> into info/, which
  // fs.protected_hardlinks allows only to a user that may read and write the file.
  auto fd = open_fd(guard.intd, O_WRONLY | O_CREAT | O_EXCL, 0660);
  if (!fd) return {disk_full(fd.error()) ? kQueueWriteError : kQueueSpoolTrouble, fd.error().what};
  if (auto w = write_all(fd->get(), encode_stored(env)); !w) return write_error(w.error());
  if (::fsync(fd->get()) != 0) return write_error(sys_error("unable to fsync " + guard.intd));
  fd->reset();
  if (auto s = fsync_dir(spool.dir("mess")); !s) return write_error(s.error());
  if (::rename(guard.intd.c_str(), spool.todo(id).c_str()) != 0)
    return write_error(sys_error("unable to rename into todo/"));
  guard.intd = spool.todo(id);  // undo target if the directory sync fails
  if (auto s = fsync_dir(spool.dir("todo")); !s) return write_error(s.error());
  guard.committed = true;
  return {};
}

// Reads the stored message once: its Subject: and whether it holds 8-bit octets.
Result<JournalFacts> journal_facts(const std::string& path, const std::string& id, const Injection& in) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  JournalFacts facts{id, "", in.remote_ip, false};
  std::string header;
  char chunk[65536];
  for (;;) {
    ssize_t r = ::read(fd->get(), chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read " + path);
    if (r == 0) break;
    if (header.size() < sizeof chunk) header.append(chunk, static_cast<size_t>(r));
    facts.eight_bit = facts.eight_bit || std::any_of(chunk, chunk + r, [](char c) { return c & 0x80; });
  }
  facts.subject = header_subject(header);
  return facts;
}

Status copy_file(const std::string& path, int out) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  char chunk[65536];
  for (;;) {
    ssize_t r = ::read(fd->get(), chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read " + path);
    if (r == 0) return {};
    if (auto w = write_all(out, std::string_view(chunk, static_cast<size_t>(r))); !w) return w;
  }
}

Outcome write_report(const Spool& spool, const std::string& original, const JournalReport& report) {
  std::string id;
  auto mess = create_message(spool, id);
  if (!mess) return {disk_full(mess.error()) ? kQueueWriteError : kQueueSpoolTrouble, mess.error().what};
  Cleanup guard;
  guard.mess = spool.mess(id);
  if (auto w = write_all(mess->get(), report.head); !w) return write_error(w.error());
  if (auto w = copy_file(spool.mess(original), mess->get()); !w) return write_error(w.error());
  if (auto w = write_all(mess->get(), report.tail); !w) return write_error(w.error());
  if (::fsync(mess->get()) != 0) return write_error(sys_error("unable to fsync the journal report"));
  mess.value().reset();
  return commit(spool, id, report.envelope, guard);
}

// The journal reports on message id (journal.h), each committed before the message itself:
// a crash in between leaves a report too many, never an accepted message without its report.
Outcome write_journal(const Spool& spool, const std::string& id, const Envelope& env, const Injection& in,
                      const JournalConfig& cfg) {
  auto targets = journal_targets(cfg, env);
  if (targets.empty()) return {};
  auto facts = journal_facts(spool.mess(id), id, in);
  if (!facts) return write_error(facts.error());
  for (const auto& target : targets)
    if (auto o = write_report(spool, id, build_journal_report(cfg, target, env, *facts)); o.code) {
      o.message = "journal report to " + target.address + ": " + o.message;
      return o;
    }
  return {};
}

Outcome write_spool(const Spool& spool, long long databytes, const Injection& in, const JournalConfig* journal) {
  std::string id;
  auto mess = create_message(spool, id);
  if (!mess) return {disk_full(mess.error()) ? kQueueWriteError : kQueueSpoolTrouble, mess.error().what};
  Cleanup guard;
  guard.mess = spool.mess(id);
  if (auto o = copy_message(in.message_fd, mess->get(), received_line(id, in), databytes); o.code) return o;
  mess->reset();
  Envelope env;
  if (auto o = read_envelope(in.envelope_fd, env); o.code) return o;
  if (auto o = add_extras(env, in); o.code) return o;
  if (journal)
    if (auto o = write_journal(spool, id, env, in, *journal); o.code) return o;
  if (auto o = commit(spool, id, env, guard); o.code) return o;
  if (in.id_fd >= 0) (void)write_all(in.id_fd, id + "\n");
  pull_trigger(spool);
  return {};
}

}  // namespace

Result<Origin> injection_origin(const Injection& in) {
  using K = Origin::Kind;
  if (in.origin_claim == "forward") return Origin{K::kForwarded, ""};
  if (in.origin_claim == "bounce") {
    if (in.caller_is_queue_manager) return Origin{K::kBounce, ""};
  } else if (!in.origin_claim.empty()) {
    return fail("bad POSTA_ORIGIN value", kEnvelopeFormat);
  }
  if (!in.auth_user.empty()) return Origin{K::kAuthenticated, in.auth_user};
  if (in.from_network) return Origin{K::kNetwork, ""};
  std::string name = in.caller_name.empty() ? "#" + std::to_string(in.caller_uid) : in.caller_name;
  return Origin{K::kLocal, name};
}

WriteOutcome write_message(const Spool& spool, long long databytes, const Injection& in,
                           const JournalConfig* journal) {
  auto out = write_spool(spool, databytes, in, journal);
  if (out.code == kQueueCustomMessage && in.custom_fd >= 0) (void)write_all(in.custom_fd, out.message);
  return out;
}

}  // namespace posta::queue
