// tools/operator_commands.h -- `tocsin issue|status|cancel|update`: an
// operator talking to the gateway over CURVE with its transport key.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "common/result.h"
#include "protocol/messages.h"

namespace tocsin::tools {

void AddOperatorCommands(CLI::App& app, int* exit_code);

struct DirectiveOptions;  // tools/sealing.h
struct FollowUpOf;
struct Session;  // tools/operator_link.h

// For an update or cancel of `id`: fetches and verifies it, addresses
// `effective` to its recipients as its issuer signed them, keeps its labels
// unless told otherwise (said on stderr), and returns what it follows up.
Result<FollowUpOf> PrepareFollowUp(Session& session, DirectiveOptions& effective,
                                   const protocol::DirectiveId& id, const std::string& command);
// --severity, --tlp, --title, --body[-file], --summary, --ack-within,
// --expires-in, --exercise, --retries, --promise-out.
void AddContentOptions(CLI::App* command, DirectiveOptions& o, bool title_required);

}  // namespace tocsin::tools
