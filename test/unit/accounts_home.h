// A fixture for tests of lib/accounts: a fresh posta home in a temporary directory, opened
// read-write, with the one enabled domain example.org. Fixtures derive from it and add what
// their tests need in their own SetUp after calling AccountsHome::SetUp().
#pragma once
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "accounts/lookup.h"
#include "tmpdir.h"

namespace posta::test {

class AccountsHome : public ::testing::Test {
 protected:
  explicit AccountsHome(const std::string& dir_name) : dir(dir_name) {}
  void SetUp() override {
    home = dir.path;
    auto a = accounts::Accounts::open(home, accounts::Accounts::Mode::kReadWrite);
    ASSERT_TRUE(a) << a.error().what;
    acc.emplace(std::move(*a));
    ASSERT_TRUE(acc->add_domain({"example.org", true, 0, 0, 0, "", "", 0}));
  }
  // Closes the accounts before the directory goes.
  void TearDown() override { acc.reset(); }

  TempDir dir;
  std::string home;
  std::optional<accounts::Accounts> acc;
};

}  // namespace posta::test
