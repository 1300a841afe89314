// tools/audit_commands.h -- `tocsin audit export|verify|prove|check-proof|report`.
//
// The auditor's side of the audit log (docs/audit.md): export a
// self-contained bundle from the gateway's database, verify it offline from a
// trusted root alone, extract a standalone inclusion proof for one receipt,
// and render delivery reports.
#pragma once

#include <CLI/CLI.hpp>

namespace tocsin::tools {

void AddAuditCommands(CLI::App& app, int* exit_code);

}  // namespace tocsin::tools
