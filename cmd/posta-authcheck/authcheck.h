// posta-authcheck: each check registers its subcommand on the CLI11 app; the chosen one
// sets the action that main() runs after parsing.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace posta::authcheck {

struct Context {
  std::string home;  // --home (empty: $POSTA_HOME, then /var/posta)
};
using Action = std::function<int()>;

// spf --ip IP --sender ADDR [--helo NAME]
void register_spf(CLI::App& app, Context& ctx, Action& action);

}  // namespace posta::authcheck
