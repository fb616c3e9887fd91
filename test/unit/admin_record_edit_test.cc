// Unit tests of lib/admin/record_edit: option values applied to a record's field, and the
// `import` of the admin tools.
#include <gtest/gtest.h>

#include <sstream>

#include "admin/format.h"
#include "admin/record_edit.h"
#include "tmpdir.h"

using namespace posta;
using accounts::Accounts, accounts::DomainRecord;

TEST(AdminRecordEdit, AssignSizeAndCount) {
  uint64_t field = 7;
  ASSERT_TRUE(admin::assign_size("", field));
  EXPECT_EQ(field, 7u);  // not given: unchanged
  ASSERT_TRUE(admin::assign_size("1k", field));
  EXPECT_EQ(field, 1024u);
  ASSERT_TRUE(admin::assign_count("0", field));
  EXPECT_EQ(field, 0u);
  field = 5;
  EXPECT_FALSE(admin::assign_count("1k", field));
  EXPECT_FALSE(admin::assign_size("lots", field));
  EXPECT_EQ(field, 5u);  // unchanged by a value that does not parse
}

namespace {
const admin::ImportRows<DomainRecord> kDomains{"domains", admin::format::parse_domain_tsv, &Accounts::add_domain,
                                              &Accounts::put_domain};

std::string rows(uint64_t max_accounts) {
  DomainRecord a{"a.example", true, max_accounts, 0, 0, "", "", 0};
  DomainRecord b{"b.example", true, 0, 0, 0, "", "", 0};
  return std::string(admin::format::kDomainTsvHeader) + "\n\n" + admin::format::domain_tsv(a) + "\n" +
         admin::format::domain_tsv(b) + "\n";
}

uint64_t max_accounts_of(const std::string& home, const std::string& name) {
  auto acc = Accounts::open(home, Accounts::Mode::kReadOnly);
  if (!acc) return 999;
  auto d = acc->find_domain(name);
  return d && *d ? (*d)->max_accounts : 999;
}
}  // namespace

TEST(AdminRecordEdit, ImportAddsThenReplaces) {
  test::TempDir dir("posta-admin-unit");
  std::istringstream first(rows(3));
  EXPECT_EQ(admin::import_tsv(first, dir.path, false, kDomains), 0);
  EXPECT_EQ(max_accounts_of(dir.path, "a.example"), 3u);
  std::istringstream again(rows(4));
  EXPECT_EQ(admin::import_tsv(again, dir.path, false, kDomains), 1);  // exists
  EXPECT_EQ(max_accounts_of(dir.path, "a.example"), 3u);
  std::istringstream replace(rows(4));
  EXPECT_EQ(admin::import_tsv(replace, dir.path, true, kDomains), 0);
  EXPECT_EQ(max_accounts_of(dir.path, "a.example"), 4u);
}

TEST(AdminRecordEdit, ImportWritesNothingAfterABadLine) {
  test::TempDir dir("posta-admin-unit");
  std::istringstream in(rows(3) + "not a row\n");
  EXPECT_EQ(admin::import_tsv(in, dir.path, false, kDomains), 2);
  EXPECT_EQ(max_accounts_of(dir.path, "a.example"), 999u);
}
