#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "proc/privilege.h"
#include "queue.h"
#include "queue/envelope.h"
#include "queue/maildate.h"
#include "queue/spool.h"

namespace posta::queueprog {
namespace {

using queue::Spool;

std::string env_or(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

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

// Creates mess/<id> exclusively; a new id on a collision.
Result<Fd> create_message(const Spool& spool, std::string& id) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    id = queue::make_id(tv.tv_sec, tv.tv_usec + attempt, ::getpid());
    int fd = ::open(spool.mess(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd >= 0) return Fd(fd);
    if (errno != EEXIST) return fail_sys("unable to create " + spool.mess(id));
  }
  return fail("unable to find a free queue id");
}

// The real uid of whoever ran us, even after a setuid copy gave up that identity.
uid_t g_caller_uid = 0;

std::string received_line(const std::string& id) {
  std::string who = std::getenv("TCPREMOTEIP") ? "invoked from network"
                                              : "invoked by uid " + std::to_string(g_caller_uid);
  return "Received: (posta-queue " + id + " " + who + "); " + queue::rfc5322_date(::time(nullptr)) + "\n";
}

// Copies fd 0 after the Received line; limit 0 = unlimited (counts the message as read).
Outcome copy_message(int out, const std::string& id, long long limit) {
  std::string buf = received_line(id);
  long long total = 0;
  char chunk[65536];
  for (;;) {
    ssize_t r = ::read(0, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return {kQueueCannotReadInput, sys_error("unable to read the message").what};
    if (r == 0) break;
    total += r;
    if (limit > 0 && total > limit)
      return {kQueueCustomMessage, "D5.3.4 Message too big (limit " + std::to_string(limit) + " bytes)"};
    buf.append(chunk, static_cast<size_t>(r));
    if (buf.size() >= sizeof chunk) {
      if (auto w = write_all(out, buf); !w) return write_error(w.error());
      buf.clear();
    }
  }
  if (auto w = write_all(out, buf); !w) return write_error(w.error());
  if (::fsync(out) != 0) return write_error(sys_error("unable to fsync the message"));
  return {};
}

// Reads the envelope from fd 1 up to its final NUL (the writer may keep the pipe open).
Outcome read_envelope(queue::Envelope& env) {
  std::string data;
  char chunk[8192];
  size_t len = 0;
  while ((len = queue::injected_length(data)) == 0) {
    ssize_t r = ::read(1, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return {kQueueCannotReadInput, sys_error("unable to read the envelope").what};
    if (r == 0) return {kQueueEnvelopeFormat, "envelope ends before its final NUL"};
    data.append(chunk, static_cast<size_t>(r));
    if (data.size() > queue::kMaxEnvelope) return {kQueueEnvelopeFormat, "envelope too large"};
  }
  if (len != data.size()) return {kQueueEnvelopeFormat, "bytes after the end of the envelope"};
  auto e = queue::parse_injected(data);
  if (!e) return {e.error().code == queue::kEnvelopeTooLong ? kQueueAddressTooLong : kQueueEnvelopeFormat,
                  "bad envelope: " + e.error().what};
  env = std::move(*e);
  return {};
}

// DSN and SMTP extras from the environment (posta-queue(8) ENVIRONMENT).
Outcome add_extras(queue::Envelope& env) {
  env.arrival = ::time(nullptr);
  env.uid = g_caller_uid;
  env.pid = ::getpid();
  env.auth_user = env_or("POSTA_AUTH_USER");
  env.ret = env_or("POSTA_DSN_RET");
  env.envid = env_or("POSTA_DSN_ENVID");
  env.body = env_or("POSTA_BODY");
  env.smtputf8 = !env_or("POSTA_SMTPUTF8").empty() && env_or("POSTA_SMTPUTF8") != "0";
  // Validate through the stored-form parser, so that what is written can be read back.
  auto back = queue::parse_stored(queue::encode_stored(env));
  if (!back) return {kQueueEnvelopeFormat, "bad DSN/SMTP environment: " + back.error().what};
  return {};
}

Outcome commit(const Spool& spool, const std::string& id, const queue::Envelope& env, Cleanup& guard) {
  guard.intd = spool.intd(id);
  // 0660: posta-send (spool group, system mode) hard-links todo/<id> into info/, which
  // fs.protected_hardlinks allows only to a user that may read and write the file.
  auto fd = open_fd(guard.intd, O_WRONLY | O_CREAT | O_EXCL, 0660);
  if (!fd) return {disk_full(fd.error()) ? kQueueWriteError : kQueueSpoolTrouble, fd.error().what};
  if (auto w = write_all(fd->get(), queue::encode_stored(env)); !w) return write_error(w.error());
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

void tell_id(const std::string& id) {
  auto v = env_or("POSTA_QUEUE_IDFD");
  int fd = -1;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || fd < 3 || ::fcntl(fd, F_GETFD) < 0) return;
  (void)write_all(fd, id + "\n");
}

// A setuid copy (system mode, posta-setup(8)): the instance is the one the binary belongs to,
// not the caller's POSTA_HOME, and the real ids become the queue user's, so that nothing the
// caller could regain (root's uid, for one) stays in this process.
Outcome settle_identity() {
  g_caller_uid = ::getuid();
  auto home = settle_setuid_instance();
  if (!home) return {kQueueSpoolTrouble, home.error().what};
  if (!*home) return {};
  uid_t u = ::geteuid();
  gid_t g = ::getegid();
  if (::setresgid(g, g, g) != 0 || ::setresuid(u, u, u) != 0)
    return {kQueueSpoolTrouble, sys_error("unable to give up the caller's ids").what};
  return {};
}

}  // namespace

Outcome run() {
  ::signal(SIGPIPE, SIG_IGN);
  ::umask(007);
  if (auto o = settle_identity(); o.code) return o;
  std::string home = posta_home();
  if (auto s = become_instance_owner(home); !s) return {kQueueSpoolTrouble, s.error().what};
  Control ctl(home);
  Spool spool = Spool::from_home(home);
  if (auto s = spool.ensure(); !s) return {kQueueSpoolTrouble, s.error().what};
  std::string id;
  auto mess = create_message(spool, id);
  if (!mess) return {disk_full(mess.error()) ? kQueueWriteError : kQueueSpoolTrouble, mess.error().what};
  Cleanup guard;
  guard.mess = spool.mess(id);
  if (auto o = copy_message(mess->get(), id, ctl.number("databytes", 0)); o.code) return o;
  mess->reset();
  queue::Envelope env;
  if (auto o = read_envelope(env); o.code) return o;
  if (auto o = add_extras(env); o.code) return o;
  if (auto o = commit(spool, id, env, guard); o.code) return o;
  tell_id(id);
  queue::pull_trigger(spool);
  return {};
}

}  // namespace posta::queueprog
