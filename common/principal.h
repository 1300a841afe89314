// common/principal.h -- who is who: principal ids and roles.
//
// Every party Tocsin knows is a principal with an id and exactly one role.
// The id appears in certificates, in signed messages and in logs, so its
// syntax is narrow: 1 to 64 characters of [a-z0-9.-], starting with a letter
// or digit. Roles are fixed by the architecture.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tocsin {

enum class Role { kGateway, kOperator, kAgency, kBridge };

// "gateway", "operator", "agency", "bridge".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

inline constexpr std::size_t kMaxPrincipalIdLength = 64;

// The channels a bridge principal may be enrolled for; a bridge serves only
// its own (SECURITY.md 38).
inline constexpr std::string_view kBridgeChannels[] = {"sms", "email"};
bool IsBridgeChannel(std::string_view channel);

// Returns OK iff `id` is a valid principal id; otherwise kInvalidArgument
// naming the offending character or length.
Status ValidatePrincipalId(std::string_view id);

}  // namespace tocsin
