#include "common/log.h"

#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace tocsin {
namespace {

LogFormat g_format = LogFormat::kText;
// The fields of the LogEvent being written on this thread (the logger is
// synchronous: the formatter runs inside the LogEvent call).
thread_local const nlohmann::json* t_event_fields = nullptr;

// One JSON object a line: {"time_ms", "level", "program", "message"} and,
// for a LogEvent, "event" and its fields.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string program) : program_(std::move(program)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                      msg.time.time_since_epoch()).count();
    nlohmann::json line = {
        {"time_ms", millis},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"program", program_},
        {"message", std::string(msg.payload.data(), msg.payload.size())}};
    if (t_event_fields != nullptr) {
      for (const auto& [key, value] : t_event_fields->items()) {
        line.emplace(key, value);  // never replaces the five above
      }
    }
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(program_);
  }

 private:
  std::string program_;
};

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") {
    return LogFormat::kText;
  }
  if (name == "json") {
    return LogFormat::kJson;
  }
  return MakeError(ErrorCode::kInvalidArgument, "log format must be text or json");
}

void InitLogging(std::string_view program, LogFormat format) {
  auto logger = std::make_shared<spdlog::logger>(
      std::string(program), std::make_shared<spdlog::sinks::stderr_sink_mt>());
  g_format = format;
  if (format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>(std::string(program)));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %n %l: %v", spdlog::pattern_time_type::utc);
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void LogEvent(spdlog::level::level_enum level, std::string_view event, LogFields fields,
              std::string_view message) {
  if (!spdlog::default_logger_raw()->should_log(level)) {
    return;
  }
  if (g_format == LogFormat::kJson) {
    nlohmann::json extra = {{"event", std::string(event)}};
    for (const auto& [key, value] : fields) {
      if (value.number) {
        extra[std::string(key)] = nlohmann::json::parse(value.text);
      } else {
        extra[std::string(key)] = value.text;
      }
    }
    t_event_fields = &extra;
    spdlog::log(level, "{}", message);
    t_event_fields = nullptr;
    return;
  }
  std::string text(message);
  text += " [";
  text += event;
  for (const auto& [key, value] : fields) {
    text += ' ';
    text += key;
    text += '=';
    text += value.text;
  }
  text += ']';
  spdlog::log(level, "{}", text);
}

}  // namespace tocsin
