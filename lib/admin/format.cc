#include "admin/format.h"

#include <charconv>

#include "accounts/address.h"
#include "accounts/lookup.h"
#include "accounts/password.h"
#include "admin/tool.h"

namespace posta::admin::format {
using namespace accounts;
namespace {

std::string yn(bool b) { return b ? "yes" : "no"; }
std::string jb(bool b) { return b ? "true" : "false"; }
std::string limit(uint64_t v) { return v ? std::to_string(v) : "unlimited"; }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out.append(i ? sep : "").append(v[i]);
  return out;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t c = s.find(',', start);
    if (c == std::string::npos) c = s.size();
    if (c > start) out.push_back(s.substr(start, c - start));
    start = c + 1;
  }
  return out;
}

Result<std::vector<std::string>> fields(std::string_view line, size_t min, size_t max, const char* kind) {
  auto f = tsv_fields(line);
  if (!f) return f;
  if (f->size() < min || f->size() > max)
    return fail(std::string(kind) + " row needs " + std::to_string(min) + (min == max ? "" : "+") +
                " tab-separated fields, got " + std::to_string(f->size()), kErrInvalid);
  return f;
}

Result<bool> parse_bool(const std::string& s) {
  if (s == "1" || s == "yes") return true;
  if (s == "0" || s == "no") return false;
  return fail("expected 1 or 0, got " + s, kErrInvalid);
}

Result<int64_t> parse_i64(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0)
    return fail("not a timestamp: " + s, kErrInvalid);
  return v;
}

}  // namespace

const char* const kUserTsvHeader =
    "#address\tpassword_hash\tenabled\tquota_bytes\tquota_messages\tmaildir\tstore_host\tmaster\tcreated\tlast_login";

std::string user_text(const UserRecord& u) {
  return "address: " + u.address + "\nenabled: " + yn(u.enabled) + "\npassword: " +
         (u.password_hash.empty() ? "none" : "set") + "\nquota_bytes: " + limit(u.quota_bytes) +
         "\nquota_messages: " + limit(u.quota_messages) + "\nmaildir: " + u.maildir +
         "\nstore_host: " + (u.store_host.empty() ? "-" : u.store_host) + "\nmaster: " + yn(u.master) +
         "\ncreated: " + format_time(u.created) + "\nlast_login: " + format_time(u.last_login) + "\n";
}

std::string user_json(const UserRecord& u) {
  return "{\"address\":" + json_string(u.address) + ",\"local\":" + json_string(u.local) +
         ",\"domain\":" + json_string(u.domain) + ",\"enabled\":" + jb(u.enabled) +
         ",\"has_password\":" + jb(!u.password_hash.empty()) + ",\"quota_bytes\":" + std::to_string(u.quota_bytes) +
         ",\"quota_messages\":" + std::to_string(u.quota_messages) + ",\"maildir\":" + json_string(u.maildir) +
         ",\"store_host\":" + json_string(u.store_host) + ",\"master\":" + jb(u.master) +
         ",\"created\":" + std::to_string(u.created) + ",\"last_login\":" + std::to_string(u.last_login) + "}";
}

std::string user_tsv(const UserRecord& u, const std::string& home) {
  std::string maildir = u.maildir;
  auto a = valid_address(u.address);
  if (a && maildir == default_maildir(home, *a)) maildir.clear();
  return tsv_escape(u.address) + "\t" + tsv_escape(u.password_hash) + "\t" + (u.enabled ? "1" : "0") + "\t" +
         std::to_string(u.quota_bytes) + "\t" + std::to_string(u.quota_messages) + "\t" + tsv_escape(maildir) +
         "\t" + tsv_escape(u.store_host) + "\t" + (u.master ? "1" : "0") + "\t" + std::to_string(u.created) +
         "\t" + std::to_string(u.last_login);
}

Result<UserRecord> parse_user_tsv(std::string_view line) {
  auto f = fields(line, 10, 10, "user");
  if (!f) return std::unexpected(f.error());
  auto& v = *f;
  UserRecord u;
  u.address = v[0];
  if (!v[1].empty()) {
    POSTA_TRY(u.password_hash, normalize_hash(v[1]));
  }
  POSTA_TRY(u.enabled, parse_bool(v[2]));
  POSTA_TRY(u.quota_bytes, parse_count(v[3]));
  POSTA_TRY(u.quota_messages, parse_count(v[4]));
  u.maildir = v[5];
  u.store_host = v[6];
  POSTA_TRY(u.master, parse_bool(v[7]));
  POSTA_TRY(u.created, parse_i64(v[8]));
  POSTA_TRY(u.last_login, parse_i64(v[9]));
  return u;
}

const char* const kDomainTsvHeader =
    "#name\tenabled\tmax_accounts\tdefault_quota_bytes\tdefault_quota_messages\tcatchall\tdkim_selector\tcreated";

std::string domain_text(const DomainRecord& d, uint64_t users) {
  return "domain: " + d.name + "\nenabled: " + yn(d.enabled) + "\nusers: " + std::to_string(users) +
         "\nmax_accounts: " + limit(d.max_accounts) + "\ndefault_quota_bytes: " + limit(d.default_quota_bytes) +
         "\ndefault_quota_messages: " + limit(d.default_quota_messages) +
         "\ncatchall: " + (d.catchall.empty() ? "-" : d.catchall) +
         "\ndkim_selector: " + (d.dkim_selector.empty() ? "-" : d.dkim_selector) +
         "\ncreated: " + format_time(d.created) + "\n";
}

std::string domain_json(const DomainRecord& d, uint64_t users) {
  return "{\"name\":" + json_string(d.name) + ",\"enabled\":" + jb(d.enabled) + ",\"users\":" +
         std::to_string(users) + ",\"max_accounts\":" + std::to_string(d.max_accounts) +
         ",\"default_quota_bytes\":" + std::to_string(d.default_quota_bytes) +
         ",\"default_quota_messages\":" + std::to_string(d.default_quota_messages) +
         ",\"catchall\":" + json_string(d.catchall) + ",\"dkim_selector\":" + json_string(d.dkim_selector) +
         ",\"created\":" + std::to_string(d.created) + "}";
}

std::string domain_tsv(const DomainRecord& d) {
  return tsv_escape(d.name) + "\t" + (d.enabled ? "1" : "0") + "\t" + std::to_string(d.max_accounts) + "\t" +
         std::to_string(d.default_quota_bytes) + "\t" + std::to_string(d.default_quota_messages) + "\t" +
         tsv_escape(d.catchall) + "\t" + tsv_escape(d.dkim_selector) + "\t" + std::to_string(d.created);
}

Result<DomainRecord> parse_domain_tsv(std::string_view line) {
  auto f = fields(line, 8, 8, "domain");
  if (!f) return std::unexpected(f.error());
  auto& v = *f;
  DomainRecord d;
  d.name = v[0];
  POSTA_TRY(d.enabled, parse_bool(v[1]));
  POSTA_TRY(d.max_accounts, parse_count(v[2]));
  POSTA_TRY(d.default_quota_bytes, parse_count(v[3]));
  POSTA_TRY(d.default_quota_messages, parse_count(v[4]));
  d.catchall = v[5];
  d.dkim_selector = v[6];
  POSTA_TRY(d.created, parse_i64(v[7]));
  return d;
}

const char* const kAliasTsvHeader = "#address\tkeep_copy\ttarget...";

std::string alias_text(const AliasRecord& a) {
  return "alias: " + a.address + "\nkeep_copy: " + yn(a.keep_copy) + "\ntargets: " + join(a.targets, ", ") + "\n";
}

std::string alias_json(const AliasRecord& a) {
  return "{\"address\":" + json_string(a.address) + ",\"keep_copy\":" + jb(a.keep_copy) +
         ",\"targets\":" + json_array(a.targets) + "}";
}

std::string alias_tsv(const AliasRecord& a) {
  std::string out = tsv_escape(a.address) + "\t" + (a.keep_copy ? "1" : "0");
  for (const auto& t : a.targets) out += "\t" + tsv_escape(t);
  return out;
}

Result<AliasRecord> parse_alias_tsv(std::string_view line) {
  auto f = fields(line, 3, 100000, "alias");
  if (!f) return std::unexpected(f.error());
  AliasRecord a;
  a.address = (*f)[0];
  POSTA_TRY(a.keep_copy, parse_bool((*f)[1]));
  a.targets.assign(f->begin() + 2, f->end());
  return a;
}

const char* const kListTsvHeader = "#address\tposting\treply_to\tdescription\tmembers\tmoderators";

std::string list_text(const ListRecord& l) {
  return "list: " + l.address + "\nposting: " + std::string(to_string(l.posting)) +
         "\nreply_to: " + std::string(to_string(l.reply_to)) + "\ndescription: " + l.description +
         "\nmembers: " + std::to_string(l.members.size()) + "\nmoderators: " + join(l.moderators, ", ") + "\n";
}

std::string list_json(const ListRecord& l) {
  return "{\"address\":" + json_string(l.address) + ",\"posting\":" + json_string(to_string(l.posting)) +
         ",\"reply_to\":" + json_string(to_string(l.reply_to)) + ",\"description\":" + json_string(l.description) +
         ",\"members\":" + json_array(l.members) + ",\"moderators\":" + json_array(l.moderators) + "}";
}

std::string list_tsv(const ListRecord& l) {
  return tsv_escape(l.address) + "\t" + std::string(to_string(l.posting)) + "\t" +
         std::string(to_string(l.reply_to)) + "\t" + tsv_escape(l.description) + "\t" +
         tsv_escape(join(l.members, ",")) + "\t" + tsv_escape(join(l.moderators, ","));
}

Result<ListRecord> parse_list_tsv(std::string_view line) {
  auto f = fields(line, 6, 6, "list");
  if (!f) return std::unexpected(f.error());
  auto& v = *f;
  ListRecord l;
  l.address = v[0];
  POSTA_TRY(l.posting, parse_posting_policy(v[1]));
  POSTA_TRY(l.reply_to, parse_reply_to_policy(v[2]));
  l.description = v[3];
  l.members = split_list(v[4]);
  l.moderators = split_list(v[5]);
  return l;
}

}  // namespace posta::admin::format
