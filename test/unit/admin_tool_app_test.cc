// Unit tests of lib/admin/tool_app: the main() frame of the admin tools.
#include <gtest/gtest.h>

#include "admin/tool_app.h"

namespace {
int run(std::vector<std::string> args, std::string& home) {
  posta::admin::ToolApp tool("posta-unit", "posta-unit: a test tool", home);
  tool.app.add_subcommand("go", "run")->callback([&tool] { tool.action = [] { return 7; }; });
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return tool.run(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST(AdminToolApp, RunsTheChosenSubcommandWithHome) {
  std::string home;
  EXPECT_EQ(run({"posta-unit", "go", "--home", "/srv/posta"}, home), 7);
  EXPECT_EQ(home, "/srv/posta");  // --home after the subcommand (fallthrough)
}

TEST(AdminToolApp, UsageErrorsExitTwo) {
  std::string home;
  EXPECT_EQ(run({"posta-unit"}, home), 2);  // no subcommand
  EXPECT_EQ(run({"posta-unit", "nonsense"}, home), 2);
}
