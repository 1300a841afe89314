// common/command_line.h -- one convention for every Tocsin program's command
// line: --help prints the help and exits 0; anything CLI11 refuses prints
// "PROGRAM: usage: <what is wrong>" and a pointer to --help on stderr, and
// exits kExitUsage (2), whatever CLI11's own code for it.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/result.h"

#ifndef TOCSIN_VERSION
#define TOCSIN_VERSION "unknown"
#endif

namespace tocsin {

inline constexpr int kExitUsage = 2;

// --version prints "PROGRAM VERSION (protocol N)" and exits 0.
inline void AddVersionFlag(CLI::App& app, std::uint64_t protocol_version) {
  app.set_version_flag("--version", app.get_name() + " " + TOCSIN_VERSION + " (protocol " +
                                        std::to_string(protocol_version) + ")");
}

// What `--check-config` prints: each fact checked, then "configuration OK";
// or the failure, naming what to fix. Returns the exit code (0 or 1).
inline int ReportConfigCheck(const std::string& program,
                             const tl::expected<std::vector<std::string>, Error>& facts) {
  if (!facts) {
    std::cerr << program << ": configuration check failed: " << facts.error().ToString() << "\n";
    return 1;
  }
  for (const std::string& fact : *facts) {
    std::cout << "  ok: " << fact << "\n";
  }
  std::cout << program << ": configuration OK (nothing was started or written)\n";
  return 0;
}

// Parses; returns the exit code to leave with, or nothing to go on.
inline std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": usage: " << e.what() << "\n"
              << "Run '" << app.get_name() << " --help' (or add --help to the subcommand) for "
              << "the options.\n";
    return kExitUsage;
  }
}

}  // namespace tocsin
