#include "tools/operator_profile.h"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <vector>

#include "common/config_reader.h"

namespace tocsin::tools {
namespace {

// The profile to read: the explicit one (which must exist), or the first
// of the usual places that exists, or none.
Result<std::optional<std::string>> FindProfile(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    return std::optional<std::string>(explicit_path);
  }
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("TOCSIN_PROFILE"); env != nullptr && *env != '\0') {
    return std::optional<std::string>(env);
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    candidates.push_back(std::string(xdg) + "/tocsin/operator.toml");
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    candidates.push_back(std::string(home) + "/.config/tocsin/operator.toml");
  }
  candidates.push_back("/etc/tocsin/operator.toml");
  std::error_code error;
  for (const std::string& candidate : candidates) {
    if (std::filesystem::exists(candidate, error)) {
      return std::optional<std::string>(candidate);
    }
  }
  return std::optional<std::string>();
}

}  // namespace

Status ApplyOperatorProfile(DirectiveOptions& o, const std::string& explicit_path) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<std::string> path, FindProfile(explicit_path));
  if (path) {
    TOCSIN_ASSIGN_OR_RETURN(ConfigReader profile, ConfigReader::Open(*path));
    TOCSIN_ASSIGN_OR_RETURN(std::string bundle, profile.PathOr("bundle", ""));
    TOCSIN_ASSIGN_OR_RETURN(std::string directory, profile.PathOr("directory", ""));
    TOCSIN_ASSIGN_OR_RETURN(std::string gateway, profile.StringOr("gateway", ""));
    TOCSIN_ASSIGN_OR_RETURN(std::string endpoint, profile.StringOr("endpoint", ""));
    TOCSIN_ASSIGN_OR_RETURN(std::int64_t timeout, profile.IntOr("timeout_ms", 0, 0, 600000));
    TOCSIN_RETURN_IF_ERROR(profile.RejectUnknown());
    for (auto [field, value] : {std::pair{&o.bundle, &bundle}, std::pair{&o.directory, &directory},
                                std::pair{&o.gateway, &gateway}, std::pair{&o.endpoint, &endpoint}}) {
      if (field->empty()) {
        *field = *value;
      }
    }
    if (timeout > 0 && !o.timeout_set) {
      o.timeout_ms = static_cast<int>(timeout);
    }
  }
  std::string missing;
  for (auto [name, value] : {std::pair{"bundle", &o.bundle}, std::pair{"directory", &o.directory},
                             std::pair{"gateway", &o.gateway}, std::pair{"endpoint", &o.endpoint}}) {
    if (value->empty()) {
      missing += (missing.empty() ? "" : ", ") + std::string("--") + name;
    }
  }
  if (!missing.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "missing " + missing + ": give them on the command line or in an operator "
                     "profile (" + (path ? *path + ", read" : std::string("--profile FILE, "
                     "$TOCSIN_PROFILE, ~/.config/tocsin/operator.toml or "
                     "/etc/tocsin/operator.toml, none found")) + ")");
  }
  return {};
}

}  // namespace tocsin::tools
