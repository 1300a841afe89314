// tools/operator_profile.h -- an operator's profile: the bundle, CA folder,
// gateway and endpoint every operator command needs, written once
// (docs/operations.md, "Operator profile").
//
// The first of: --profile FILE, $TOCSIN_PROFILE, $XDG_CONFIG_HOME/tocsin/
// operator.toml (or ~/.config/tocsin/operator.toml), /etc/tocsin/operator.toml.
// Flags given on the command line win; relative paths in the file are taken
// from the file's folder.
#pragma once

#include <string>

#include "common/result.h"
#include "tools/sealing.h"

namespace tocsin::tools {

// Fills what `options` lacks from the profile (the one named by `explicit_path`
// when not empty) and fails, naming each missing setting and where it may be
// given, when something is still missing.
Status ApplyOperatorProfile(DirectiveOptions& options, const std::string& explicit_path);

}  // namespace tocsin::tools
