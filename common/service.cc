#include "common/service.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace tocsin::service {
namespace {

void Notify(const std::string& state) {
  (void)sd_notify(/*unset_environment=*/0, state.c_str());  // best effort, by design
}

// Status text on one line: the protocol is newline-separated assignments.
std::string OneLine(std::string_view text) {
  std::string line(text.substr(0, 512));
  for (char& c : line) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return line;
}

}  // namespace

void Ready(std::string_view status) { Notify("READY=1\nSTATUS=" + OneLine(status)); }

void Status(std::string_view status) { Notify("STATUS=" + OneLine(status)); }

void Stopping() { Notify("STOPPING=1\nSTATUS=stopping"); }

std::optional<SteadyMillis> WatchdogInterval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) <= 0 || usec == 0) {
    return std::nullopt;
  }
  return static_cast<SteadyMillis>(usec / 1000);
}

void Alive() {
  static const std::optional<SteadyMillis> interval = WatchdogInterval();
  static SteadyMillis last = 0;
  if (!interval) {
    return;
  }
  SteadyMillis now = SteadyNowMillis();
  if (last == 0 || now - last >= *interval / 2) {
    Notify("WATCHDOG=1");
    last = now;
  }
}

}  // namespace tocsin::service
