// common/signals.h -- what every Tocsin daemon does on a signal: SIGTERM and
// SIGINT ask it to stop cleanly, SIGHUP to load what it can again (the CA
// folder; the gateway also its policy). The handlers only set flags; the
// daemon's loop reads them.
#pragma once

#include <atomic>

namespace tocsin {

struct DaemonSignals {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
};

// Installs the handlers (once per process) and returns the flags they set.
DaemonSignals& InstallDaemonSignals();

}  // namespace tocsin
