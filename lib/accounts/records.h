// The records stored in the accounts databases, and their serialization.
// Format (one record per database value): a version line "posta-<kind> 1", then one
// "name=value" line per field in a fixed order (list fields repeat their name, possibly zero
// times); values are %XX-escaped for '%', control characters and bytes >= 0x7f. The parser
// is strict: wrong version, unknown, missing, duplicated or reordered fields, bad escapes,
// bad numbers and trailing bytes are all errors.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::accounts {

struct UserRecord {
  std::string address;        // local@domain: local part as given, domain lower-cased
  std::string local;
  std::string domain;
  std::string password_hash;  // crypt(3) string ($y$, $6$, $2b$, ...); "" = cannot log in
  bool enabled = true;        // false: logins refused and mail refused (5.2.1)
  uint64_t quota_bytes = 0;   // 0 = unlimited
  uint64_t quota_messages = 0;
  std::string maildir;        // absolute path, ends with '/': $POSTA_HOME/mail/<domain>/<local>/
  std::string store_host;     // "" = this host (sharding later)
  int64_t created = 0;        // unix seconds
  int64_t last_login = 0;     // unix seconds, 0 = never (updated at most hourly, see posta-auth.8)
  bool master = false;        // may log in as any user: "user*master@dom"
};

struct DomainRecord {
  std::string name;           // lower-cased
  bool enabled = true;        // false: every address in it is refused (5.2.1)
  uint64_t max_accounts = 0;  // 0 = unlimited
  uint64_t default_quota_bytes = 0;     // copied into new users (0 = unlimited)
  uint64_t default_quota_messages = 0;
  std::string catchall;       // "" = none; else the address unknown local parts go to
  std::string dkim_selector;  // "" = no DKIM signing
  int64_t created = 0;
};

struct AliasRecord {
  std::string address;               // the alias (local@domain)
  std::vector<std::string> targets;  // one or more addresses, local or remote
  bool keep_copy = false;            // also deliver to the local user of the same address
};

enum class PostingPolicy { kMembers, kAnyone, kModerators };
enum class ReplyToPolicy { kSender, kList };  // Reply-To left alone, or set to the list

struct ListRecord {
  std::string address;
  std::vector<std::string> members;
  PostingPolicy posting = PostingPolicy::kMembers;
  std::vector<std::string> moderators;  // may always post; the only posters for kModerators
  ReplyToPolicy reply_to = ReplyToPolicy::kSender;
  std::string description;              // free text, for List-Id
};

std::string_view to_string(PostingPolicy p);  // "members" | "anyone" | "moderators"
std::string_view to_string(ReplyToPolicy p);  // "sender" | "list"
[[nodiscard]] Result<PostingPolicy> parse_posting_policy(std::string_view s);
[[nodiscard]] Result<ReplyToPolicy> parse_reply_to_policy(std::string_view s);

std::string encode(const UserRecord& r);
std::string encode(const DomainRecord& r);
std::string encode(const AliasRecord& r);
std::string encode(const ListRecord& r);
[[nodiscard]] Result<UserRecord> decode_user(std::string_view s);
[[nodiscard]] Result<DomainRecord> decode_domain(std::string_view s);
[[nodiscard]] Result<AliasRecord> decode_alias(std::string_view s);
[[nodiscard]] Result<ListRecord> decode_list(std::string_view s);

}  // namespace posta::accounts
