// posta-list subcommands.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace posta::listcmd {

struct Opts {
  std::string home;
  std::string address;
  std::vector<std::string> addresses;  // members for add/remove
  std::string posting, reply_to, description;
  std::vector<std::string> moderators, add_moderators, remove_moderators;
  bool description_set = false, json = false, replace = false;
};
using Action = std::function<int()>;

// create del add remove members list show set import export
void register_all(CLI::App& app, Opts& o, Action& action);

}  // namespace posta::listcmd
