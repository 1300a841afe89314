// common/service.h -- a daemon's word to its service manager, by systemd's
// notify protocol (sd_notify(3)): ready to serve, still alive, stopping.
// Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
// Main thread only.
#pragma once

#include <optional>
#include <string_view>

#include "common/clock.h"

namespace tocsin::service {

// READY=1 with a one-line STATUS: the daemon's endpoints are bound and it
// serves (Type=notify units start their dependants only then).
void Ready(std::string_view status);
// STATUS=...: what `systemctl status` shows, e.g. why a start waits.
void Status(std::string_view status);
// STOPPING=1: the daemon stops cleanly.
void Stopping();

// Called on every turn of the serving loop: sends WATCHDOG=1 when half the
// unit's WatchdogSec has passed since the last one. A loop that hangs stops
// sending, and systemd kills and restarts the daemon.
void Alive();

// The watchdog interval systemd asked for ($WATCHDOG_USEC for this
// process), if any.
std::optional<SteadyMillis> WatchdogInterval();

}  // namespace tocsin::service
