// posta-authcheck: each subcommand registers itself on the CLI11 app and, when chosen, sets
// the action main() runs after parsing.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace posta::authcheck {

using Action = std::function<int()>;

// spf --ip IP --sender ADDR [--helo NAME] (spf_cmd.cc)
void add_spf_command(CLI::App& app, const std::string& home, Action& action);

}  // namespace posta::authcheck
