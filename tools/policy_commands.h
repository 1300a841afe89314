// tools/policy_commands.h -- `tocsin policy check FILE`: validates an
// escalation policy and shows, per rule, its ladder as the gateway will run it.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddPolicyCommands(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
