// tools/cli_support.h -- what every `tocsin` subcommand shares: exit codes,
// error printing and JSON output.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace tocsin::tools {

// Exit codes: 0 success, 1 the operation was refused or failed (the message
// says why), 2 the command line was wrong (CLI11 prints usage).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;

// Prints "tocsin: <command>: <code>: <context>" to stderr; returns kExitFailure.
int ReportError(const std::string& command, const Error& error);

// Prints `value` as one JSON document on stdout.
void PrintJson(const nlohmann::json& value);

}  // namespace tocsin::tools
