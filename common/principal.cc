#include "common/principal.h"

namespace tocsin {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kGateway: return "gateway";
    case Role::kOperator: return "operator";
    case Role::kAgency: return "agency";
    case Role::kBridge: return "bridge";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kGateway, Role::kOperator, Role::kAgency,
                    Role::kBridge}) {
    if (name == RoleName(role)) {
      return role;
    }
  }
  return std::nullopt;
}

bool IsBridgeChannel(std::string_view channel) {
  for (std::string_view known : kBridgeChannels) {
    if (channel == known) {
      return true;
    }
  }
  return false;
}

Status ValidatePrincipalId(std::string_view id) {
  if (id.empty() || id.size() > kMaxPrincipalIdLength) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "principal id must be 1 to 64 characters, got " +
                         std::to_string(id.size()));
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && (c == '.' || c == '-'))) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "principal id '" + std::string(id) +
                           "' has a character outside [a-z0-9.-] (or a "
                           "leading '.' or '-') at position " +
                           std::to_string(i));
    }
  }
  return {};
}

}  // namespace tocsin
