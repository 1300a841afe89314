// common/log.h -- daemon logs as text or as JSON lines, through spdlog.
//
// Logs never contain key material or directive content: callers log ids,
// principals, counts and error contexts only.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

#include "common/result.h"

namespace tocsin {

enum class LogFormat { kText, kJson };

// Parses "text" or "json".
Result<LogFormat> ParseLogFormat(std::string_view name);

// Sends the default logger to stderr in `format`, tagged with `program`.
void InitLogging(std::string_view program, LogFormat format);

}  // namespace tocsin
