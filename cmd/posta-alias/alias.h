// posta-alias subcommands.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace posta::aliascmd {

struct Opts {
  std::string home;
  std::string address;
  std::vector<std::string> targets;
  bool keep_copy = false, json = false, replace = false;
};
using Action = std::function<int()>;

// add del list show import export
void register_all(CLI::App& app, Opts& o, Action& action);

}  // namespace posta::aliascmd
