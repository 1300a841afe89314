// tocsin -- the command line for operators, PKI and auditors.
#include <CLI/CLI.hpp>

#include "common/command_line.h"
#include "protocol/messages.h"

#include "tools/audit_commands.h"
#include "tools/cli_support.h"
#include "tools/directive_commands.h"
#include "tools/init_command.h"
#include "tools/operator_commands.h"
#include "tools/pki_commands.h"
#include "tools/policy_commands.h"
#include "tools/proposal_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"tocsin: operator, PKI and auditor command line", "tocsin"};
  tocsin::AddVersionFlag(app, tocsin::protocol::kProtocolVersion);
  app.require_subcommand(1);
  int exit_code = tocsin::tools::kExitOk;
  tocsin::tools::AddInitCommand(app, &exit_code);
  tocsin::tools::AddPkiCommands(app, &exit_code);
  tocsin::tools::AddDirectiveCommands(app, &exit_code);
  tocsin::tools::AddOperatorCommands(app, &exit_code);
  tocsin::tools::AddProposalCommands(app, &exit_code);
  tocsin::tools::AddAuditCommands(app, &exit_code);
  tocsin::tools::AddPolicyCommands(app, &exit_code);
  if (std::optional<int> exit = tocsin::ParseCommandLine(app, argc, argv)) {
    return *exit;
  }
  return exit_code;
}
