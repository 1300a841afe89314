// tools/proposal_commands.h -- `tocsin propose|proposals|approve|withdraw`:
// the two-person rule through the gateway (protocol/proposal.h).
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddProposalCommands(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
