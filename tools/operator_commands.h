// tools/operator_commands.h -- `tocsin issue|status|cancel|update`: an
// operator talking to the gateway over CURVE with its transport key.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddOperatorCommands(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
