// Aliases, forwards and catch-all: re-injected with the original envelope sender.
#include <algorithm>

#include "local.h"
#include "log/log.h"

namespace posta::local {

namespace {

// A catch-all that points at one local user is delivered directly (no queue round trip).
std::optional<Delivery> catchall_direct(Context& ctx, accounts::Resolution& r,
                                       accounts::Accounts& acc) {
  if (!r.catchall || r.targets.size() != 1) return std::nullopt;
  auto t = acc.resolve(r.targets[0]);
  if (!t) {
    if (accounts::is_temporary(t.error())) return temporary("unable to look up catch-all " + r.targets[0]);
    return std::nullopt;
  }
  if (t->kind != accounts::Resolution::kUser) return std::nullopt;
  return deliver_to_user(ctx, t->user, r.address, "");
}

}  // namespace

Delivery forward(Context& ctx, accounts::Resolution& r, accounts::Accounts& acc) {
  if (auto direct = catchall_direct(ctx, r, acc)) return *direct;
  std::string copy_reason;
  if (r.keep_copy) {
    Delivery copy = deliver_to_user(ctx, r.user, r.address, r.detail);
    if (!copy) return copy;
    copy_reason = *copy + "; ";
  }
  std::vector<std::string> targets;
  for (const auto& t : r.targets) {
    if (posta::iequals(t, r.address)) continue;  // the local copy is keep_copy's job
    if (std::none_of(targets.begin(), targets.end(), [&](const std::string& x) { return posta::iequals(x, t); }))
      targets.push_back(t);
  }
  if (targets.empty()) {
    if (r.keep_copy) return ok(copy_reason + "no forward targets");
    return permanent("alias " + r.address + " has no targets (#5.1.1)");
  }
  std::string eol(ctx.header.eol());
  Delivery out = reinject(ctx, ctx.sender, targets, mailhdr::make_field("Delivered-To", r.address, eol));
  if (out) return copy_reason + *out;
  return fail(copy_reason + out.error().what, out.error().code);
}

}  // namespace posta::local
