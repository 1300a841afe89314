// tools/operator_commands.h -- `tocsin issue|status|cancel|update`: an
// operator talking to the gateway over CURVE with its transport key.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddOperatorCommands(CLI::App& app, int* exit_code);

struct DirectiveOptions;  // tools/sealing.h
// --severity, --tlp, --title, --body[-file], --summary, --ack-within,
// --expires-in, --exercise, --retries, --promise-out.
void AddContentOptions(CLI::App* command, DirectiveOptions& o, bool title_required);

}  // namespace tocsin::tools
