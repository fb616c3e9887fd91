// How the admin tools print records (show: "field: value" lines; --json; TSV rows for
// export/import). TSV columns are listed in posta-user(1) and friends; parse_* accept exactly
// what *_tsv wrote (plus the same rows edited by hand) and refuse anything else.
#pragma once
#include <string>
#include <string_view>

#include "accounts/records.h"
#include "base/error.h"

namespace posta::admin::format {

using accounts::UserRecord, accounts::DomainRecord, accounts::AliasRecord, accounts::ListRecord;

std::string user_text(const UserRecord& u);
std::string user_json(const UserRecord& u);
// maildir is written as "" when it is the default for home, so the row moves between
// instances.
std::string user_tsv(const UserRecord& u, const std::string& home);
[[nodiscard]] Result<UserRecord> parse_user_tsv(std::string_view line);
extern const char* const kUserTsvHeader;

std::string domain_text(const DomainRecord& d, uint64_t users);
std::string domain_json(const DomainRecord& d, uint64_t users);
std::string domain_tsv(const DomainRecord& d);
[[nodiscard]] Result<DomainRecord> parse_domain_tsv(std::string_view line);
extern const char* const kDomainTsvHeader;

std::string alias_text(const AliasRecord& a);
std::string alias_json(const AliasRecord& a);
std::string alias_tsv(const AliasRecord& a);
[[nodiscard]] Result<AliasRecord> parse_alias_tsv(std::string_view line);
extern const char* const kAliasTsvHeader;

std::string list_text(const ListRecord& l);
std::string list_json(const ListRecord& l);
std::string list_tsv(const ListRecord& l);
[[nodiscard]] Result<ListRecord> parse_list_tsv(std::string_view line);
extern const char* const kListTsvHeader;

}  // namespace posta::admin::format
