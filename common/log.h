// common/log.h -- daemon logs as text or as JSON lines, through spdlog.
//
// Logs never contain key material or directive content: callers log ids,
// principals, counts and error contexts only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/result.h"

namespace tocsin {

enum class LogFormat { kText, kJson };

// Parses "text" or "json".
Result<LogFormat> ParseLogFormat(std::string_view name);

// Sends the default logger to stderr in `format`, tagged with `program`.
void InitLogging(std::string_view program, LogFormat format);

// A field's value in a structured line: text, or a whole number (a JSON
// number in JSON lines).
struct LogValue {
  LogValue(std::string_view v) : text(v) {}  // NOLINT: implicit by design
  LogValue(const std::string& v) : text(v) {}  // NOLINT
  LogValue(const char* v) : text(v) {}  // NOLINT
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  LogValue(T v) : text(std::to_string(v)), number(true) {}  // NOLINT
  std::string text;
  bool number = false;
};
using LogFields = std::initializer_list<std::pair<std::string_view, LogValue>>;

// One structured line for an event an operator or a log pipeline acts on.
// In JSON, `event` and each field become keys beside "message", with names
// that stay stable across versions (docs/operations.md, Logs); in text, they
// follow the message as [event key=value ...]. Field names other than the
// five of every line (time_ms, level, program, message, event).
void LogEvent(spdlog::level::level_enum level, std::string_view event, LogFields fields,
              std::string_view message);

}  // namespace tocsin
