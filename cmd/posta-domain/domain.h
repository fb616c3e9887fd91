// posta-domain: subcommands register themselves on the CLI11 app; the chosen one sets
// the action that main() runs after parsing.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace posta::domaincmd {

struct Context {
  std::string home;  // --home (empty: $POSTA_HOME, then /var/posta)
};
using Action = std::function<int()>;

// add del list show set import export
void register_core(CLI::App& app, Context& ctx, Action& action);

}  // namespace posta::domaincmd
