// The end of main() shared by posta-user, posta-domain, posta-alias and posta-list, once
// their options and subcommands are registered: parse the command line (usage errors exit
// 2), then run the action the chosen subcommand stored (exceptions exit 111).
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

namespace posta::admin {

// fallthrough: options of the tool itself (--home) may also follow the subcommand.
int parse_and_run(CLI::App& app, int argc, char** argv, const std::function<int()>& action,
                  bool fallthrough = true);

}  // namespace posta::admin
