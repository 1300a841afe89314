// common/signals.h -- what every Tocsin daemon does on a signal: SIGTERM and
// SIGINT ask it to stop cleanly, SIGHUP to load what it can again (the CA
// folder; the gateway also its policy). The handlers only set flags; the
// daemon's loop reads them.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "common/result.h"
#include "common/service.h"

namespace tocsin {

struct DaemonSignals {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
};

// Installs the handlers (once per process) and returns the flags they set.
DaemonSignals& InstallDaemonSignals();

// Starts a daemon: calls `create` until it succeeds, fails with an error
// `worth_waiting` does not accept, or `stop` is set. A CRL that is not
// current at start is the CA's to fix, and a daemon that exits then stays
// down after the fix: it waits instead, retrying every second and saying
// why once a minute. Returns the last result.
template <typename Create, typename Predicate>
auto StartWhenCurrent(Create create, Predicate worth_waiting, const std::atomic<bool>& stop)
    -> decltype(create()) {
  auto started = create();
  for (int waited = 0; !started && worth_waiting(started.error()) && !stop; ++waited) {
    if (waited % 60 == 0) {
      spdlog::error("waiting to start until it is fixed (retrying every second): {}",
                    started.error().ToString());
      service::Status("waiting to start: " + started.error().ToString());
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    started = create();
  }
  return started;
}

}  // namespace tocsin
