// The frame of main() in posta-user, posta-domain, posta-alias and posta-list: the
// program's name in the log, the --home option; the tool adds its subcommands to app, then
// run() parses and runs the chosen one (parse_and_run, admin/tool_main.h).
#pragma once
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace posta::admin {

class ToolApp {
 public:
  // about: the first line of --help; --home is stored in home.
  ToolApp(const char* program, const char* about, std::string& home);
  // fallthrough: as parse_and_run's.
  int run(int argc, char** argv, bool fallthrough = true);

  CLI::App app;
  std::function<int()> action;  // what the chosen subcommand runs
};

}  // namespace posta::admin
