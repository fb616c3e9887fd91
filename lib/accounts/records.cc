#include "accounts/records.h"

#include "accounts/address.h"
#include "accounts/records_codec.h"

namespace posta::accounts {

using codec::Reader;
using codec::Writer;

// Each decoder reads the fields in encode order; TRY unwraps a Result or returns its error.
#define POSTA_CAT2(a, b) a##b
#define POSTA_CAT(a, b) POSTA_CAT2(a, b)
#define TRY_R POSTA_CAT(try_r_, __LINE__)
#define TRY(dst, expr)                                 \
  auto TRY_R = (expr);                                 \
  if (!TRY_R) return std::unexpected(TRY_R.error());   \
  dst = std::move(*TRY_R)

std::string_view to_string(PostingPolicy p) {
  switch (p) {
    case PostingPolicy::kMembers: return "members";
    case PostingPolicy::kAnyone: return "anyone";
    case PostingPolicy::kModerators: return "moderators";
  }
  return "members";
}

std::string_view to_string(ReplyToPolicy p) { return p == ReplyToPolicy::kList ? "list" : "sender"; }

Result<PostingPolicy> parse_posting_policy(std::string_view s) {
  if (s == "members") return PostingPolicy::kMembers;
  if (s == "anyone") return PostingPolicy::kAnyone;
  if (s == "moderators") return PostingPolicy::kModerators;
  return fail("posting policy must be members, anyone or moderators", kErrInvalid);
}

Result<ReplyToPolicy> parse_reply_to_policy(std::string_view s) {
  if (s == "sender") return ReplyToPolicy::kSender;
  if (s == "list") return ReplyToPolicy::kList;
  return fail("reply-to policy must be sender or list", kErrInvalid);
}

std::string encode(const UserRecord& r) {
  Writer w("user");
  w.field("address", r.address);
  w.field("local", r.local);
  w.field("domain", r.domain);
  w.field("password", r.password_hash);
  w.flag("enabled", r.enabled);
  w.number("quota_bytes", r.quota_bytes);
  w.number("quota_messages", r.quota_messages);
  w.field("maildir", r.maildir);
  w.field("store_host", r.store_host);
  w.number("created", r.created);
  w.number("last_login", r.last_login);
  w.flag("master", r.master);
  return w.take();
}

Result<UserRecord> decode_user(std::string_view s) {
  auto rd = Reader::start(s, "user");
  if (!rd) return std::unexpected(rd.error());
  UserRecord r;
  TRY(r.address, rd->text("address"));
  TRY(r.local, rd->text("local"));
  TRY(r.domain, rd->text("domain"));
  TRY(r.password_hash, rd->text("password"));
  TRY(r.enabled, rd->flag("enabled"));
  TRY(r.quota_bytes, rd->u64("quota_bytes"));
  TRY(r.quota_messages, rd->u64("quota_messages"));
  TRY(r.maildir, rd->text("maildir"));
  TRY(r.store_host, rd->text("store_host"));
  TRY(r.created, rd->i64("created"));
  TRY(r.last_login, rd->i64("last_login"));
  TRY(r.master, rd->flag("master"));
  if (auto st = rd->finish(); !st) return std::unexpected(st.error());
  return r;
}

std::string encode(const DomainRecord& r) {
  Writer w("domain");
  w.field("name", r.name);
  w.flag("enabled", r.enabled);
  w.number("max_accounts", r.max_accounts);
  w.number("default_quota_bytes", r.default_quota_bytes);
  w.number("default_quota_messages", r.default_quota_messages);
  w.field("catchall", r.catchall);
  w.field("dkim_selector", r.dkim_selector);
  w.number("created", r.created);
  return w.take();
}

Result<DomainRecord> decode_domain(std::string_view s) {
  auto rd = Reader::start(s, "domain");
  if (!rd) return std::unexpected(rd.error());
  DomainRecord r;
  TRY(r.name, rd->text("name"));
  TRY(r.enabled, rd->flag("enabled"));
  TRY(r.max_accounts, rd->u64("max_accounts"));
  TRY(r.default_quota_bytes, rd->u64("default_quota_bytes"));
  TRY(r.default_quota_messages, rd->u64("default_quota_messages"));
  TRY(r.catchall, rd->text("catchall"));
  TRY(r.dkim_selector, rd->text("dkim_selector"));
  TRY(r.created, rd->i64("created"));
  if (auto st = rd->finish(); !st) return std::unexpected(st.error());
  return r;
}

std::string encode(const AliasRecord& r) {
  Writer w("alias");
  w.field("address", r.address);
  w.repeated("target", r.targets);
  w.flag("keep_copy", r.keep_copy);
  return w.take();
}

Result<AliasRecord> decode_alias(std::string_view s) {
  auto rd = Reader::start(s, "alias");
  if (!rd) return std::unexpected(rd.error());
  AliasRecord r;
  TRY(r.address, rd->text("address"));
  TRY(r.targets, rd->repeated("target"));
  TRY(r.keep_copy, rd->flag("keep_copy"));
  if (auto st = rd->finish(); !st) return std::unexpected(st.error());
  return r;
}

std::string encode(const ListRecord& r) {
  Writer w("list");
  w.field("address", r.address);
  w.repeated("member", r.members);
  w.field("posting", to_string(r.posting));
  w.repeated("moderator", r.moderators);
  w.field("reply_to", to_string(r.reply_to));
  w.field("description", r.description);
  return w.take();
}

Result<ListRecord> decode_list(std::string_view s) {
  auto rd = Reader::start(s, "list");
  if (!rd) return std::unexpected(rd.error());
  ListRecord r;
  std::string posting, reply_to;
  TRY(r.address, rd->text("address"));
  TRY(r.members, rd->repeated("member"));
  TRY(posting, rd->text("posting"));
  TRY(r.moderators, rd->repeated("moderator"));
  TRY(reply_to, rd->text("reply_to"));
  TRY(r.description, rd->text("description"));
  if (auto st = rd->finish(); !st) return std::unexpected(st.error());
  TRY(r.posting, parse_posting_policy(posting));
  TRY(r.reply_to, parse_reply_to_policy(reply_to));
  return r;
}

}  // namespace posta::accounts
