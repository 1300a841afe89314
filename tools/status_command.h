// tools/status_command.h -- `tocsin status`: the per-agency delivery matrix,
// each claim checked against the agencies' own signatures.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddStatusCommand(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
