// bridges/daemon.h -- the main() both bridge daemons share: command line,
// configuration, hardening (no core dumps), logging, signals, the runner.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bridges/bridge_runner.h"

namespace tocsin::bridges {

struct DaemonSpec {
  std::string channel;      // "email" or "sms"
  std::string description;  // for --help
  std::function<std::unique_ptr<Sender>(const BridgeConfig&)> make_sender;
  // Starts what else the channel needs (the SMS bridge's listener); the
  // returned object lives until the daemon stops. May be null.
  std::function<Result<std::shared_ptr<void>>(const BridgeConfig&, const Clock&)> start_extra;
};

int RunBridgeDaemon(int argc, char** argv, const DaemonSpec& spec);

}  // namespace tocsin::bridges
