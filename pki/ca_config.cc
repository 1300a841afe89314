#include "pki/ca_config.h"

#include <algorithm>
#include <sstream>

#include <toml++/toml.h>

#include "common/bytes.h"
#include "common/principal.h"

namespace tocsin::pki {
namespace {

tl::unexpected<Error> FieldError(const std::string& path, const toml::node* node,
                                 const std::string& field, const std::string& why) {
  std::string line = node != nullptr
                         ? std::to_string(node->source().begin.line)
                         : std::string("?");
  return MakeError(ErrorCode::kInvalidArgument,
                   path + ":" + line + ": " + field + ": " + why);
}

// Sector names share the principal id syntax: lower case, digits, '-', '.'.
Status ValidateSectorName(std::string_view name) {
  if (!ValidatePrincipalId(name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + std::string(name) +
                         "' is not a valid sector name ([a-z0-9.-], 1 to 64)");
  }
  return {};
}

Result<toml::table> ParseToml(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ":" + std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()));
  }
}

Result<std::vector<std::string>> ReadSectors(const std::string& path,
                                             const toml::table& table) {
  const toml::node* node = table.get("sectors");
  const toml::array* array = node ? node->as_array() : nullptr;
  if (array == nullptr) {
    return FieldError(path, node, "sectors", "required, an array of strings");
  }
  std::vector<std::string> sectors;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    std::string field = "sectors[" + std::to_string(i) + "]";
    std::optional<std::string> name = item.value<std::string>();
    if (!item.is_string() || !name) {
      return FieldError(path, &item, field, "must be a string");
    }
    Status valid = ValidateSectorName(*name);
    if (!valid) {
      return FieldError(path, &item, field, valid.error().context);
    }
    if (std::find(sectors.begin(), sectors.end(), *name) != sectors.end()) {
      return FieldError(path, &item, field, "'" + *name + "' is listed twice");
    }
    sectors.push_back(*name);
  }
  if (sectors.empty()) {
    return FieldError(path, node, "sectors", "must list at least one sector");
  }
  return sectors;
}

Result<int> ReadBoundedInt(const std::string& path, const toml::table& table,
                           const char* field, int fallback, int max) {
  const toml::node* node = table.get(field);
  if (node == nullptr) {
    return fallback;
  }
  std::optional<std::int64_t> value = node->value<std::int64_t>();
  if (!node->is_integer() || !value || *value < 1 || *value > max) {
    return FieldError(path, node, field,
                      "must be an integer from 1 to " + std::to_string(max));
  }
  return static_cast<int>(*value);
}

Result<bool> ReadBool(const std::string& path, const toml::table& table, const char* field,
                      bool fallback) {
  const toml::node* node = table.get(field);
  if (node == nullptr) {
    return fallback;
  }
  if (!node->is_boolean()) {
    return FieldError(path, node, field, "must be true or false");
  }
  return node->value<bool>().value_or(fallback);
}

Result<SignatureRule> ReadSignatureRuleTable(const std::string& path, const toml::table& table) {
  SignatureRule rule;
  const toml::node* node = table.get("signatures");
  if (node == nullptr) {
    return rule;
  }
  const toml::table* signatures = node->as_table();
  if (signatures == nullptr) {
    return FieldError(path, node, "signatures", "must be a table ([signatures])");
  }
  for (auto&& [key, value] : *signatures) {
    std::string field = "signatures." + std::string(key.str());
    std::uint32_t* count = RuleField(rule, key.str());
    if (count == nullptr) {
      return FieldError(path, &value, field,
                        "unknown; the rule has low, moderate, high, critical, cancel, downgrade");
    }
    std::optional<std::int64_t> number = value.value<std::int64_t>();
    if (!value.is_integer() || !number || *number < 1 || *number > kMaxRuleSignatures) {
      return FieldError(path, &value, field,
                        "must be an integer from 1 to " + std::to_string(kMaxRuleSignatures));
    }
    *count = static_cast<std::uint32_t>(*number);
  }
  return rule;
}

}  // namespace

bool CaConfig::HasSector(std::string_view sector) const {
  return std::find(sectors.begin(), sectors.end(), sector) != sectors.end();
}

std::vector<std::string> DefaultSectors() {
  return {"finance", "energy", "transport", "health", "public-services",
          "digital-infrastructure"};
}

Result<CaConfig> LoadCaConfig(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(toml::table table, ParseToml(path));
  for (auto&& [key, node] : table) {
    std::string_view name = key.str();
    if (name != "organization" && name != "sectors" &&
        name != "leaf_validity_days" && name != "crl_validity_hours" &&
        name != "freshness_crl_validity_days" && name != "signatures" &&
        name != "legacy_rule_arc") {
      return FieldError(path, &node, std::string(name), "unknown setting");
    }
  }
  CaConfig config;
  const toml::node* organization = table.get("organization");
  std::optional<std::string> name =
      organization ? organization->value<std::string>() : std::nullopt;
  if (!name || !organization->is_string() || name->empty() || name->size() > 64 ||
      !IsValidText(*name) || name->find_first_of("\t\r\n") != std::string::npos) {
    return FieldError(path, organization, "organization",
                      "required, one line of 1 to 64 characters");
  }
  config.organization = *name;
  TOCSIN_ASSIGN_OR_RETURN(config.sectors, ReadSectors(path, table));
  TOCSIN_ASSIGN_OR_RETURN(config.leaf_validity_days,
                          ReadBoundedInt(path, table, "leaf_validity_days", 30, 397));
  TOCSIN_ASSIGN_OR_RETURN(config.crl_validity_hours,
                          ReadBoundedInt(path, table, "crl_validity_hours", 24, 24));
  if (table.get("freshness_crl_validity_days") != nullptr) {
    TOCSIN_ASSIGN_OR_RETURN(config.freshness_crl_validity_days,
                            ReadBoundedInt(path, table, "freshness_crl_validity_days", 0, 31));
    if (config.freshness_crl_validity_days < 2) {
      return FieldError(path, table.get("freshness_crl_validity_days"),
                        "freshness_crl_validity_days",
                        "must be an integer from 2 to 31 (leave it out for daily CRLs)");
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(config.signatures, ReadSignatureRuleTable(path, table));
  TOCSIN_ASSIGN_OR_RETURN(config.legacy_rule_arc, ReadBool(path, table, "legacy_rule_arc", true));
  return config;
}

Result<std::vector<std::string>> LoadSectorList(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(toml::table table, ParseToml(path));
  return ReadSectors(path, table);
}

Status ValidateCaConfig(const CaConfig& config) {
  if (config.organization.empty() || config.organization.size() > 64 ||
      !IsValidText(config.organization) ||
      config.organization.find_first_of("\t\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "organization must be one line of 1 to 64 characters");
  }
  if (config.sectors.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "at least one sector is needed");
  }
  for (const std::string& sector : config.sectors) {
    TOCSIN_RETURN_IF_ERROR(ValidateSectorName(sector));
  }
  if (config.freshness_crl_validity_days != 0 &&
      (config.freshness_crl_validity_days < 2 || config.freshness_crl_validity_days > 31)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "freshness_crl_validity_days must be 0 or 2 to 31");
  }
  return ValidateSignatureRule(config.signatures);
}

std::string RenderCaConfig(const CaConfig& config) {
  toml::array sectors;
  for (const std::string& sector : config.sectors) {
    sectors.push_back(sector);
  }
  toml::table table{{"organization", config.organization},
                    {"sectors", std::move(sectors)},
                    {"leaf_validity_days", config.leaf_validity_days},
                    {"crl_validity_hours", config.crl_validity_hours},
                    {"legacy_rule_arc", config.legacy_rule_arc}};
  if (config.freshness_crl_validity_days > 0) {
    table.insert("freshness_crl_validity_days", config.freshness_crl_validity_days);
  }
  // An inline table, so that a setting appended to the file later stays a
  // top-level setting.
  toml::table signatures;
  for (std::string_view name : kSignatureRuleFields) {
    signatures.insert(name, static_cast<std::int64_t>(RuleFieldValue(config.signatures, name)));
  }
  signatures.is_inline(true);
  std::ostringstream out;
  out << "# Tocsin certificate authority settings (docs/pki.md).\n"
         "# This folder holds the root key: keep it offline.\n"
         "#\n"
         "# signatures: the two-person rule, signed into every CRL: how many distinct\n"
         "# operators must sign a directive of each severity, a cancel, and an update\n"
         "# that lowers severity, TLP or status (1 to 4 each). Every agency enforces it,\n"
         "# whatever the gateway says. Change it with tocsin pki signature-rule.\n"
         "# legacy_rule_arc: also write that rule under the OID arc releases before\n"
         "# the current certificate profile read (docs/pki.md); false once every\n"
         "# program of the deployment is upgraded.\n"
      << table << "\n"
      << toml::table{{"signatures", std::move(signatures)}} << "\n";
  return out.str();
}

}  // namespace tocsin::pki
