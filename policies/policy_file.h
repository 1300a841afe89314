// policies/policy_file.h -- reading a policy file, strictly.
//
// Every error names the file, the line and the field, and says why; unknown
// keys are errors, so a typo cannot silently disable a step.
#pragma once

#include <string>

#include <string>
#include <string_view>

#include "common/result.h"
#include "policies/policy.h"

namespace tocsin::policies {

Result<Policy> LoadPolicy(const std::string& path);
// The same checks of a policy's text; `origin` names it in errors ("origin:line: ...").
Result<Policy> ParsePolicy(std::string_view text, const std::string& origin);

}  // namespace tocsin::policies
