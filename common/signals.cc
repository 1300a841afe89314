#include "common/signals.h"

#include <signal.h>

namespace tocsin {
namespace {

DaemonSignals g_signals;

void OnSignal(int signal_number) {
  if (signal_number == SIGHUP) {
    g_signals.reload = true;
  } else {
    g_signals.stop = true;
  }
}

}  // namespace

DaemonSignals& InstallDaemonSignals() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    ::sigaction(signal_number, &action, nullptr);
  }
  return g_signals;
}

}  // namespace tocsin
