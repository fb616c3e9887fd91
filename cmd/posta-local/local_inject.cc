// Re-injection through the queue program (forwards, list expansion), qmail-queue interface:
// message on fd 0, envelope "F<sender>\0T<rcpt>\0...\0" on fd 1, custom refusal on fd 6.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/exitcode.h"
#include "io/fd.h"
#include "local.h"
#include "log/log.h"
#include "proc/child.h"

namespace posta::local {

namespace {

std::string queue_program() {
  const char* q = std::getenv("POSTA_QUEUE");
  return q && *q ? q : sibling("posta-queue");
}

bool dropped(const mailhdr::Field& f, const std::vector<std::string>& drop) {
  return std::any_of(drop.begin(), drop.end(),
                     [&](const std::string& n) { return mailhdr::iequals(f.name, n); });
}

Status copy_range(int from, int to, uint64_t off, uint64_t end) {
  char buf[65536];
  while (off < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, end - off));
    ssize_t r = ::pread(from, buf, want, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read message");
    if (r == 0) break;
    if (auto w = write_all(to, std::string_view(buf, static_cast<size_t>(r))); !w) return w;
    off += static_cast<uint64_t>(r);
  }
  return {};
}

// prefix + the original message without the dropped fields, in a memory file at offset 0.
Result<Fd> build_message(const Context& ctx, const std::string& prefix,
                         const std::vector<std::string>& drop) {
  int raw = ::memfd_create("posta-local-fwd", MFD_CLOEXEC);
  if (raw < 0) return fail_sys("unable to create memory file");
  Fd m(raw);
  if (auto w = write_all(m.get(), prefix); !w) return std::unexpected(w.error());
  uint64_t pos = 0;
  for (const auto& f : ctx.header.fields) {
    if (!dropped(f, drop)) continue;
    if (auto s = copy_range(ctx.msg_fd, m.get(), pos, f.offset); !s) return std::unexpected(s.error());
    pos = f.offset + f.length;
  }
  if (auto s = copy_range(ctx.msg_fd, m.get(), pos, ctx.msg_size); !s) return std::unexpected(s.error());
  if (::lseek(m.get(), 0, SEEK_SET) != 0) return fail_sys("unable to rewind memory file");
  return m;
}

std::string envelope(const std::string& sender, const std::vector<std::string>& rcpts) {
  std::string e = "F" + sender + std::string(1, '\0');
  for (const auto& r : rcpts) e += "T" + r + std::string(1, '\0');
  e += '\0';
  return e;
}

// qmail-queue exit codes: 11-40 and 91 are permanent, the rest temporary; 82 carries its
// own text on fd 6, starting with 'D' (permanent) or 'Z' (temporary).
Outcome queue_outcome(const ExitStatus& st, const std::string& custom, size_t n) {
  if (st.ok()) return ok("forwarded to " + std::to_string(n) + " recipient" + (n == 1 ? "" : "s"));
  if (!st.exited) return temporary("queue program killed by signal " + std::to_string(st.code));
  std::string text = custom;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  if (st.code == kQueueCustomMessage && !text.empty()) {
    std::string msg = "forward refused: " + text.substr(1);
    return text[0] == 'D' ? permanent(msg) : temporary(msg);
  }
  std::string msg = "forward failed: queue program exit " + std::to_string(st.code);
  if ((st.code >= 11 && st.code <= 40) || st.code == kQueueEnvelopeFormat) return permanent(msg);
  return temporary(msg);
}

}  // namespace

Outcome reinject(Context& ctx, const std::string& env_sender,
                 const std::vector<std::string>& recipients, const std::string& prefix,
                 const std::vector<std::string>& drop) {
  if (recipients.empty()) return permanent("nothing to forward to: no recipients");
  auto msg = build_message(ctx, prefix, drop);
  if (!msg) return temporary(msg.error().what);
  auto env = Pipe::make();
  auto err = Pipe::make();
  if (!env || !err) return temporary("unable to create pipe");
  SpawnOptions opt;
  opt.fds = {{msg->get(), 0}, {env->read.get(), 1}, {err->write.get(), 6}};
  // Whoever wrote it, it did not originate here as this copy: posta-remote never DKIM-signs
  // a forwarded message (posta-remote(8) DKIM), so a forwarder cannot launder forged mail.
  opt.env = {"POSTA_ORIGIN=forward"};
  std::string prog = queue_program();
  auto child = spawn({prog}, opt);
  if (!child) return temporary("unable to run " + prog + ": " + child.error().what);
  env->read.reset();
  err->write.reset();
  (void)write_all(env->write.get(), envelope(env_sender, recipients));  // EPIPE: see exit code
  env->write.reset();
  auto custom = read_all(err->read.get(), 4096);
  auto st = child->wait();
  if (!st) return temporary(st.error().what);
  return queue_outcome(*st, custom ? *custom : "", recipients.size());
}

}  // namespace posta::local
