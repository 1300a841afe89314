// tools/pki_commands.h -- `tocsin pki init|enroll|revoke|crl|list`.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

// Adds the `pki` subcommand tree to `app`. Each command sets `*exit_code`.
void AddPkiCommands(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
