// common/config_reader.h -- typed reads from a TOML file, with every error
// naming file, line and field, and unknown settings refused.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin {

class ConfigReader {
 public:
  // Parses `path`. Fails with "path:line: description" on a syntax error.
  static Result<ConfigReader> Open(const std::string& path);
  ConfigReader(ConfigReader&&) noexcept;
  ~ConfigReader();

  // Required and optional values; a field inside a table is named by its
  // path ("store.backend"). Paths are resolved against the config file's
  // folder when relative.
  Result<std::string> String(const std::string& field);
  Result<std::string> StringOr(const std::string& field, const std::string& fallback);
  Result<std::string> PathOr(const std::string& field, const std::string& fallback);
  Result<std::string> Path(const std::string& field);
  Result<std::int64_t> IntOr(const std::string& field, std::int64_t fallback, std::int64_t min,
                             std::int64_t max);

  Result<bool> BoolOr(const std::string& field, bool fallback);

  // Fails naming the first setting no getter asked for.
  Status RejectUnknown();

  const std::string& path() const { return path_; }

 private:
  struct Table;
  ConfigReader(std::string path, std::unique_ptr<Table> table);
  tl::unexpected<Error> FieldError(const std::string& field, const std::string& why) const;

  std::string path_;
  std::unique_ptr<Table> table_;
  std::set<std::string> asked_;
};

// A required field of exactly N bytes written as 2N hex digits (a public
// key, a digest, a signature).
template <std::size_t N>
Result<std::array<std::uint8_t, N>> ReadHexField(ConfigReader& reader, const std::string& field) {
  TOCSIN_ASSIGN_OR_RETURN(std::string hex, reader.String(field));
  Result<Bytes> bytes = HexDecode(hex);
  std::array<std::uint8_t, N> out{};
  if (!bytes || bytes->size() != N) {
    return MakeError(ErrorCode::kInvalidArgument, reader.path() + ": " + field + " must be " +
                                                      std::to_string(2 * N) + " hex digits");
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace tocsin
