// posta-local's order of work: privileges, input, loop checks, resolution, dispatch.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "local.h"
#include "log/log.h"
#include "proc/privilege.h"

namespace posta::local {

namespace {

constexpr size_t kMaxHeaderRead = 1 << 20;  // loop checks look at the first MiB of header
constexpr size_t kMaxReceived = 100;

std::optional<time_t> queue_time_from_env() {
  const char* v = std::getenv("POSTA_QUEUE_TIME");
  if (!v || !*v) return std::nullopt;
  long long t = 0;
  std::string_view s(v);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), t);
  if (ec != std::errc() || p != s.data() + s.size() || t < 0) return std::nullopt;
  return static_cast<time_t>(t);
}

// fd 0 must be seekable (a spool file); a pipe (manual use) is copied into memory first.
Result<int> seekable_input() {
  if (::lseek(0, 0, SEEK_CUR) >= 0) return 0;
  int mfd = ::memfd_create("posta-local-msg", MFD_CLOEXEC);
  if (mfd < 0) return fail_sys("unable to create memory file");
  Fd m(mfd);
  char buf[65536];
  for (;;) {
    ssize_t r = ::read(0, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read message");
    if (r == 0) break;
    if (auto w = write_all(m.get(), std::string_view(buf, static_cast<size_t>(r))); !w)
      return std::unexpected(w.error());
  }
  return m.release();
}

std::optional<Delivery> load_message(Context& ctx) {
  auto fd = seekable_input();
  if (!fd) return temporary("unable to read message: " + fd.error().what);
  ctx.msg_fd = *fd;
  struct stat st;
  if (::fstat(ctx.msg_fd, &st) != 0) return temporary("unable to stat message");
  ctx.msg_size = static_cast<uint64_t>(st.st_size);
  auto h = mailhdr::read_header(ctx.msg_fd, kMaxHeaderRead, ctx.raw_header);
  if (!h) return temporary(h.error().what);
  ctx.header = std::move(*h);
  return std::nullopt;
}

// A message that already went through this address, or that has circled too long.
std::optional<Delivery> loop_check(const Context& ctx, const std::string& address) {
  if (mailhdr::count(ctx.header, "Received") > kMaxReceived)
    return permanent("message loop: more than 100 Received header fields (#5.4.6)");
  for (const auto& v : mailhdr::values(ctx.header, "Delivered-To")) {
    if (posta::iequals(mailhdr::strip_angle(v), address))
      return permanent("message loop: already delivered to " + address + " (#5.4.6)");
  }
  return std::nullopt;
}

Delivery dispatch(Context& ctx, accounts::Accounts& acc, accounts::Resolution& r) {
  using R = accounts::Resolution;
  switch (r.kind) {
    case R::kUser:
      return deliver_to_user(ctx, r.user, r.address, r.detail);
    case R::kAlias:
      return forward(ctx, r, acc);
    case R::kList:
      return expand_list(ctx, r.list);
    case R::kDisabled:
      return permanent("mailbox disabled: " + r.address + " (#5.2.1)");
    case R::kUnknownUser:
      if (auto o = list_admin_address(ctx, acc, r.address)) return *o;
      return permanent("no such user: " + r.address + " (#5.1.1)");
    case R::kNotLocal:
      break;
  }
  return permanent("not a local domain: " + r.address + " (#5.1.2)");
}

}  // namespace

Delivery ok(std::string reason) { return reason; }
std::unexpected<Error> permanent(std::string reason) { return fail(std::move(reason), kDeliveryPermanent); }
std::unexpected<Error> temporary(std::string reason) { return fail(std::move(reason), kDeliveryTemporary); }
int exit_code(const Delivery& d) { return d ? kDelivered : d.error().code; }
const std::string& reason(const Delivery& d) { return d ? *d : d.error().what; }

std::string angle(const std::string& address) { return "<" + address + ">"; }

Delivery run(const std::string& sender, const std::string& recipient) {
  Context ctx(posta_home());
  ignore_sigpipe();
  if (auto s = become_instance_owner(ctx.home); !s) return temporary(s.error().what);
  ctx.sender = sender;
  ctx.recipient = recipient;
  ctx.now = ::time(nullptr);
  ctx.queue_time = queue_time_from_env();
  if (auto bad = load_message(ctx)) return *bad;

  auto addr = accounts::valid_address(recipient);
  if (!addr) return permanent("invalid recipient address: " + addr.error().what + " (#5.1.3)");
  if (auto loop = loop_check(ctx, addr->str())) return *loop;

  auto acc = accounts::Accounts::open(ctx.home);
  if (!acc) return temporary("unable to open the accounts database: " + acc.error().what);
  ctx.accounts = &*acc;
  auto r = acc->resolve(addr->str());
  if (!r) {
    if (accounts::is_temporary(r.error())) return temporary("unable to look up " + recipient + ": " + r.error().what);
    return permanent("invalid recipient " + recipient + ": " + r.error().what + " (#5.1.3)");
  }
  if (r->address != addr->str()) {
    if (auto loop = loop_check(ctx, r->address)) return *loop;
  }
  Delivery out = dispatch(ctx, *acc, *r);
  const char* qid = std::getenv("POSTA_QUEUE_ID");
  log::info(qid ? log::cat("delivery ", log::printable(qid), ": ") : std::string(),
            "to=<", log::printable(recipient), "> from=<", log::printable(sender),
            "> status=", out ? "delivered" : exit_code(out) == kDeliveryPermanent ? "failed" : "deferred",
            " reason=\"", log::printable(reason(out)), "\"");
  return out;
}

}  // namespace posta::local
