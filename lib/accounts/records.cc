#include "accounts/records.h"

#include <concepts>
#include <type_traits>

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

namespace {

template <class R, class T>
concept RecordOf = std::same_as<std::remove_const_t<R>, T>;

// Each record's stored fields in their order, as visit(name, member): the one list that
// encode() writes and decode_*() reads.
void fields(RecordOf<UserRecord> auto& r, auto&& visit) {
  visit("address", r.address);
  visit("local", r.local);
  visit("domain", r.domain);
  visit("password", r.password_hash);
  visit("enabled", r.enabled);
  visit("quota_bytes", r.quota_bytes);
  visit("quota_messages", r.quota_messages);
  visit("maildir", r.maildir);
  visit("store_host", r.store_host);
  visit("created", r.created);
  visit("last_login", r.last_login);
  visit("master", r.master);
}

void fields(RecordOf<DomainRecord> auto& r, auto&& visit) {
  visit("name", r.name);
  visit("enabled", r.enabled);
  visit("max_accounts", r.max_accounts);
  visit("default_quota_bytes", r.default_quota_bytes);
  visit("default_quota_messages", r.default_quota_messages);
  visit("catchall", r.catchall);
  visit("dkim_selector", r.dkim_selector);
  visit("created", r.created);
}

void fields(RecordOf<AliasRecord> auto& r, auto&& visit) {
  visit("address", r.address);
  visit("target", r.targets);
  visit("keep_copy", r.keep_copy);
}

void fields(RecordOf<ListRecord> auto& r, auto&& visit) {
  visit("address", r.address);
  visit("member", r.members);
  visit("posting", r.posting);
  visit("moderator", r.moderators);
  visit("reply_to", r.reply_to);
  visit("description", r.description);
}

// One overload per member type: how it is written, and read back.
void put(Writer& w, std::string_view name, const std::string& v) { w.field(name, v); }
void put(Writer& w, std::string_view name, bool v) { w.flag(name, v); }
void put(Writer& w, std::string_view name, uint64_t v) { w.number(name, v); }
void put(Writer& w, std::string_view name, int64_t v) { w.number(name, v); }
void put(Writer& w, std::string_view name, const std::vector<std::string>& v) { w.repeated(name, v); }
void put(Writer& w, std::string_view name, PostingPolicy v) { w.field(name, to_string(v)); }
void put(Writer& w, std::string_view name, ReplyToPolicy v) { w.field(name, to_string(v)); }

template <class T>
Status assign(T& dst, Result<T> v) {
  if (!v) return std::unexpected(v.error());
  dst = std::move(*v);
  return {};
}

Status get(Reader& rd, std::string_view name, std::string& v) { return assign(v, rd.text(name)); }
Status get(Reader& rd, std::string_view name, bool& v) { return assign(v, rd.flag(name)); }
Status get(Reader& rd, std::string_view name, uint64_t& v) { return assign(v, rd.u64(name)); }
Status get(Reader& rd, std::string_view name, int64_t& v) { return assign(v, rd.i64(name)); }
Status get(Reader& rd, std::string_view name, std::vector<std::string>& v) {
  return assign(v, rd.repeated(name));
}
Status get(Reader& rd, std::string_view name, PostingPolicy& v) {
  auto t = rd.text(name);
  return t ? assign(v, parse_posting_policy(*t)) : std::unexpected(t.error());
}
Status get(Reader& rd, std::string_view name, ReplyToPolicy& v) {
  auto t = rd.text(name);
  return t ? assign(v, parse_reply_to_policy(*t)) : std::unexpected(t.error());
}

template <class R>
std::string encode_record(std::string_view kind, const R& r) {
  Writer w(kind);
  fields(r, [&](std::string_view name, const auto& v) { put(w, name, v); });
  return w.take();
}

template <class R>
Result<R> decode_record(std::string_view s, std::string_view kind) {
  auto rd = Reader::start(s, kind);
  if (!rd) return std::unexpected(rd.error());
  R r;
  Status st;
  fields(r, [&](std::string_view name, auto& v) {
    if (st) st = get(*rd, name, v);
  });
  if (!st) return std::unexpected(st.error());
  if (auto end = rd->finish(); !end) return std::unexpected(end.error());
  return r;
}

}  // namespace

std::string encode(const UserRecord& r) { return encode_record("user", r); }
std::string encode(const DomainRecord& r) { return encode_record("domain", r); }
std::string encode(const AliasRecord& r) { return encode_record("alias", r); }
std::string encode(const ListRecord& r) { return encode_record("list", r); }

Result<UserRecord> decode_user(std::string_view s) { return decode_record<UserRecord>(s, "user"); }
Result<DomainRecord> decode_domain(std::string_view s) { return decode_record<DomainRecord>(s, "domain"); }
Result<AliasRecord> decode_alias(std::string_view s) { return decode_record<AliasRecord>(s, "alias"); }
Result<ListRecord> decode_list(std::string_view s) { return decode_record<ListRecord>(s, "list"); }

}  // namespace posta::accounts
