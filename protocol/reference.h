#pragma once

#include <optional>

#include "common/bytes.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

// The directive a message names, read without verifying it: a directive's
// or proposal's header id, a receipt's directive, a request's, approval's
// or withdrawal's reference. nullopt when `wire` does not decode that far or
// names none. For error replies only (docs/protocol.md section 9): the id
// goes back to the peer that sent it and is trusted by nobody.
std::optional<DirectiveId> NamedDirective(ByteView wire);

}  // namespace tocsin::protocol
