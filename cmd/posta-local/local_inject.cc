// Re-injection (forwards, list expansion) through the injection client (queue/inject.h).
#include <unistd.h>

#include <algorithm>

#include "local.h"
#include "queue/inject.h"

namespace posta::local {

namespace {

bool dropped(const mailhdr::Field& f, const std::vector<std::string>& drop) {
  return std::any_of(drop.begin(), drop.end(),
                     [&](const std::string& n) { return posta::iequals(f.name, n); });
}

Status copy_range(int from, queue::Injector& to, uint64_t off, uint64_t end) {
  char buf[65536];
  while (off < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, end - off));
    ssize_t r = ::pread(from, buf, want, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read message");
    if (r == 0) break;
    to.write(std::string_view(buf, static_cast<size_t>(r)));
    off += static_cast<uint64_t>(r);
  }
  return {};
}

// prefix + the original message without the dropped fields.
Status write_message(const Context& ctx, queue::Injector& to, const std::string& prefix,
                     const std::vector<std::string>& drop) {
  to.write(prefix);
  uint64_t pos = 0;
  for (const auto& f : ctx.header.fields) {
    if (!dropped(f, drop)) continue;
    if (auto s = copy_range(ctx.msg_fd, to, pos, f.offset); !s) return s;
    pos = f.offset + f.length;
  }
  return copy_range(ctx.msg_fd, to, pos, ctx.msg_size);
}

// Ends the injection with the envelope; the queue id, or why not ("refused: ..." with
// kDeliveryPermanent, "not queued: ..." with kDeliveryTemporary).
Delivery close_with_envelope(queue::Injector& in, const std::string& env_sender,
                             const std::vector<std::string>& recipients) {
  queue::Envelope env;
  env.sender = env_sender;
  for (const auto& r : recipients) env.recipients.push_back({r, "", ""});
  auto q = in.close(env);
  if (!q) return q.error().permanent ? permanent("refused: " + q.error().line())
                                     : temporary("not queued: " + q.error().line());
  return ok(*q);
}

}  // namespace

Delivery reinject(Context& ctx, const std::string& env_sender,
                 const std::vector<std::string>& recipients, const std::string& prefix,
                 const std::vector<std::string>& drop) {
  if (recipients.empty()) return permanent("nothing to forward to: no recipients");
  // Whoever wrote it, it did not originate here as this copy: posta-remote never DKIM-signs
  // a forwarded message (posta-remote(8) DKIM), so a forwarder cannot launder forged mail.
  auto in = queue::Injector::open({"", {"POSTA_ORIGIN=forward"}, false});
  if (!in) return temporary(in.error().what);
  if (auto s = write_message(ctx, **in, prefix, drop); !s) {
    (*in)->abort();
    return temporary(s.error().what);
  }
  auto q = close_with_envelope(**in, env_sender, recipients);
  if (!q) return fail("forward " + q.error().what, q.error().code);
  size_t n = recipients.size();
  return ok("forwarded to " + std::to_string(n) + " recipient" + (n == 1 ? "" : "s"));
}

Delivery inject_new(const std::string& env_sender, const std::vector<std::string>& recipients,
                    std::string_view data) {
  // originated here (a reply of the user's), so no POSTA_ORIGIN: the queue records the caller
  auto in = queue::Injector::open({"", {}, false});
  if (!in) return temporary(in.error().what);
  (*in)->write(data);
  auto q = close_with_envelope(**in, env_sender, recipients);
  if (!q) return fail("message " + q.error().what, q.error().code);
  return ok("queued " + *q);
}

}  // namespace posta::local
