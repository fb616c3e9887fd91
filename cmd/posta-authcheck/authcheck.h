// posta-authcheck: each subcommand registers itself on the CLI11 app and, when chosen, sets
// the action main() runs after parsing.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "base/error.h"
#include "dns/resolver.h"

namespace posta::authcheck {

using Action = std::function<int()>;

// spf --ip IP --sender ADDR [--helo NAME] (spf_cmd.cc)
void add_spf_command(CLI::App& app, const std::string& home, Action& action);
// dkim FILE (dkim_cmd.cc)
void add_dkim_command(CLI::App& app, const std::string& home, Action& action);
// dmarc --mail-from ADDR --spf-result R [--helo NAME] [--ip IP] FILE (dmarc_cmd.cc)
void add_dmarc_command(CLI::App& app, const std::string& home, Action& action);

// What the subcommands share (input.cc): the message of FILE ("-": stdin) with CRLF line
// ends, and a resolver over the instance's control/resolvers, never the system resolver.
[[nodiscard]] Result<std::string> read_message(const std::string& file);
[[nodiscard]] Result<dns::Resolver> instance_resolver(const std::string& home);

}  // namespace posta::authcheck
