// tools/directive_commands.h -- `tocsin directive seal|cosign|open`.
//
// Offline directive handling on files: an operator seals a directive for
// agencies found in a CA's published folder, a second operator may co-sign
// it, and an agency's bundle opens and verifies it. The gateway and client
// daemons run the same protocol/ code on the wire.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddDirectiveCommands(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
