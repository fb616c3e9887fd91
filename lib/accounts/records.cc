#include "accounts/records.h"

#include "accounts/address.h"
#include "accounts/records_codec.h"

namespace posta::accounts {

using codec::Reader;
using codec::Writer;

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
  POSTA_TRY(r.address, rd->text("address"));
  POSTA_TRY(r.local, rd->text("local"));
  POSTA_TRY(r.domain, rd->text("domain"));
  POSTA_TRY(r.password_hash, rd->text("password"));
  POSTA_TRY(r.enabled, rd->flag("enabled"));
  POSTA_TRY(r.quota_bytes, rd->u64("quota_bytes"));
  POSTA_TRY(r.quota_messages, rd->u64("quota_messages"));
  POSTA_TRY(r.maildir, rd->text("maildir"));
  POSTA_TRY(r.store_host, rd->text("store_host"));
  POSTA_TRY(r.created, rd->i64("created"));
  POSTA_TRY(r.last_login, rd->i64("last_login"));
  POSTA_TRY(r.master, rd->flag("master"));
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
  POSTA_TRY(r.name, rd->text("name"));
  POSTA_TRY(r.enabled, rd->flag("enabled"));
  POSTA_TRY(r.max_accounts, rd->u64("max_accounts"));
  POSTA_TRY(r.default_quota_bytes, rd->u64("default_quota_bytes"));
  POSTA_TRY(r.default_quota_messages, rd->u64("default_quota_messages"));
  POSTA_TRY(r.catchall, rd->text("catchall"));
  POSTA_TRY(r.dkim_selector, rd->text("dkim_selector"));
  POSTA_TRY(r.created, rd->i64("created"));
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
  POSTA_TRY(r.address, rd->text("address"));
  POSTA_TRY(r.targets, rd->repeated("target"));
  POSTA_TRY(r.keep_copy, rd->flag("keep_copy"));
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
  POSTA_TRY(r.address, rd->text("address"));
  POSTA_TRY(r.members, rd->repeated("member"));
  POSTA_TRY(posting, rd->text("posting"));
  POSTA_TRY(r.moderators, rd->repeated("moderator"));
  POSTA_TRY(reply_to, rd->text("reply_to"));
  POSTA_TRY(r.description, rd->text("description"));
  if (auto st = rd->finish(); !st) return std::unexpected(st.error());
  POSTA_TRY(r.posting, parse_posting_policy(posting));
  POSTA_TRY(r.reply_to, parse_reply_to_policy(reply_to));
  return r;
}

}  // namespace posta::accounts
