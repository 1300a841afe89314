// common/json_values.h -- the conventions of every --json output
// (docs/json.md): a value that is absent is null, never "".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tocsin {

// `text`, or null when it is empty.
inline nlohmann::json TextOrNull(std::string_view text) {
  return text.empty() ? nlohmann::json() : nlohmann::json(std::string(text));
}

inline nlohmann::json OptionalTextOrNull(const std::optional<std::string>& text) {
  return text ? TextOrNull(std::string_view(*text)) : nlohmann::json();
}

}  // namespace tocsin
