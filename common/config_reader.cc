#include "common/config_reader.h"

#include <filesystem>
#include <optional>
#include <set>

#include <toml++/toml.h>

namespace tocsin {

struct ConfigReader::Table {
  toml::table value;
};

ConfigReader::ConfigReader(std::string path, std::unique_ptr<Table> table)
    : path_(std::move(path)), table_(std::move(table)) {}
ConfigReader::ConfigReader(ConfigReader&&) noexcept = default;
ConfigReader::~ConfigReader() = default;

Result<ConfigReader> ConfigReader::Open(const std::string& path) {
  try {
    auto table = std::make_unique<Table>(Table{toml::parse_file(path)});
    return ConfigReader(path, std::move(table));
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ":" + std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()));
  }
}

tl::unexpected<Error> ConfigReader::FieldError(const std::string& field,
                                               const std::string& why) const {
  const toml::node* node = table_->value.at_path(field).node();
  std::string line = node ? std::to_string(node->source().begin.line) : "?";
  return MakeError(ErrorCode::kInvalidArgument, path_ + ":" + line + ": " + field + ": " + why);
}

Result<std::string> ConfigReader::StringOr(const std::string& field, const std::string& fallback) {
  asked_.insert(field);
  const toml::node* node = table_->value.at_path(field).node();
  if (node == nullptr) {
    return fallback;
  }
  std::optional<std::string> value = node->value<std::string>();
  if (!node->is_string() || !value || value->empty()) {
    return FieldError(field, "must be a non-empty string");
  }
  return *value;
}

Result<std::string> ConfigReader::String(const std::string& field) {
  TOCSIN_ASSIGN_OR_RETURN(std::string value, StringOr(field, ""));
  if (value.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, path_ + ": " + field + ": required");
  }
  return value;
}

Result<std::string> ConfigReader::PathOr(const std::string& field, const std::string& fallback) {
  TOCSIN_ASSIGN_OR_RETURN(std::string value, StringOr(field, fallback));
  if (value.empty()) {
    return value;
  }
  std::filesystem::path resolved(value);
  if (resolved.is_relative()) {
    resolved = std::filesystem::path(path_).parent_path() / resolved;
  }
  return resolved.lexically_normal().string();
}

Result<std::string> ConfigReader::Path(const std::string& field) {
  TOCSIN_ASSIGN_OR_RETURN(std::string value, PathOr(field, ""));
  if (value.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, path_ + ": " + field + ": required");
  }
  return value;
}

Result<std::int64_t> ConfigReader::IntOr(const std::string& field, std::int64_t fallback,
                                         std::int64_t min, std::int64_t max) {
  asked_.insert(field);
  const toml::node* node = table_->value.at_path(field).node();
  if (node == nullptr) {
    return fallback;
  }
  std::optional<std::int64_t> value = node->value<std::int64_t>();
  if (!node->is_integer() || !value || *value < min || *value > max) {
    return FieldError(field, "must be an integer from " + std::to_string(min) + " to " +
                                 std::to_string(max));
  }
  return *value;
}

Result<bool> ConfigReader::BoolOr(const std::string& field, bool fallback) {
  asked_.insert(field);
  const toml::node* node = table_->value.at_path(field).node();
  if (node == nullptr) {
    return fallback;
  }
  std::optional<bool> value = node->value<bool>();
  if (!node->is_boolean() || !value) {
    return FieldError(field, "must be true or false");
  }
  return *value;
}

namespace {

// The first key under `table` (named `prefix`) that no getter asked for; a
// table is looked into unless it was asked for whole.
std::optional<std::string> FirstUnasked(const toml::table& table, const std::string& prefix,
                                        const std::set<std::string>& asked) {
  for (auto&& [key, node] : table) {
    std::string name = prefix + std::string(key.str());
    if (key.str().find('.') != std::string_view::npos) {
      return name;  // a quoted key with a dot: never what a getter's path names
    }
    if (asked.count(name) != 0) {
      continue;
    }
    if (const toml::table* inner = node.as_table(); inner != nullptr) {
      if (std::optional<std::string> found = FirstUnasked(*inner, name + ".", asked)) {
        return found;
      }
      continue;
    }
    return name;
  }
  return std::nullopt;
}

}  // namespace

Status ConfigReader::RejectUnknown() {
  if (std::optional<std::string> unknown = FirstUnasked(table_->value, "", asked_)) {
    return FieldError(*unknown, "unknown setting");
  }
  return {};
}

}  // namespace tocsin
