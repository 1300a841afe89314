// tools/init_command.h -- `tocsin init`: a working deployment folder from a
// few answers (docs/quickstart.md).
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

// Adds `init` to `app`; its callback sets `*exit_code`.
void AddInitCommand(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
