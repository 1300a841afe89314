// tocsin-gateway -- serves agencies and operators until SIGTERM or SIGINT;
// SIGHUP reloads the registry (certificates and CRL).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/command_line.h"
#include "protocol/messages.h"

#include "common/log.h"
#include "common/signals.h"
#include "common/syscall_filter.h"
#include "gateway/config.h"
#include "gateway/config_check.h"
#include "gateway/gateway.h"

namespace {

// No core dumps: they would hold keys (SECURITY.md 19).
void DisableCoreDumps() {
  struct rlimit none {0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tocsin-gateway: the Tocsin broker", "tocsin-gateway"};
  std::string config_path;
  app.add_option("--config", config_path, "gateway.toml")->required();
  tocsin::AddVersionFlag(app, tocsin::protocol::kProtocolVersion);
  bool check_config = false;
  app.add_flag("--check-config", check_config,
               "check the configuration, keys, CA folder and policy, then exit (starts nothing)");
  bool no_syscall_filter = false;
  app.add_flag("--no-syscall-filter", no_syscall_filter, tocsin::kNoSyscallFilterHelp);
  bool full_integrity_check = false;
  app.add_flag("--integrity-check", full_integrity_check,
               "check the whole ledger (SQLite's integrity_check, indexes too) before serving");
  if (std::optional<int> exit = tocsin::ParseCommandLine(app, argc, argv)) {
    return *exit;
  }
  DisableCoreDumps();

  auto config = tocsin::gateway::LoadGatewayConfig(config_path);
  if (!config) {
    std::cerr << "tocsin-gateway: " << config.error().ToString() << "\n";
    return 1;
  }
  config->full_integrity_check = full_integrity_check;
  if (check_config) {
    return tocsin::ReportConfigCheck(
        "tocsin-gateway", tocsin::gateway::CheckGatewayConfig(*config, tocsin::SystemClock().NowMillis()));
  }
  tocsin::InitLogging("tocsin-gateway", config->log_format);
  tocsin::SystemClock wall;
  tocsin::PacedClock clock(wall);  // every time the gateway signs or decides by, steps not followed
  // The flags first: a standby gateway waits in Create, and stops on SIGTERM.
  tocsin::DaemonSignals& signals = tocsin::InstallDaemonSignals();
  auto gateway = tocsin::gateway::Gateway::Create(*config, clock, signals.stop);
  if (!gateway) {
    spdlog::critical("cannot start: {}", gateway.error().ToString());
    return 1;
  }
  // Start-up is done (ledger open, sockets bound, threads running): from here
  // on, only the calls a serving gateway makes (SECURITY.md 34).
  if (no_syscall_filter) {
    spdlog::warn("seccomp: --no-syscall-filter: running without the system-call allow-list");
  } else if (tocsin::Status locked = tocsin::LockDownSyscalls();
             !locked) {
    spdlog::critical("cannot start: {}", locked.error().ToString());
    return 1;
  }
  spdlog::info("gateway {} serving agencies on {} and operators on {}", config->id,
               (*gateway)->client_endpoint(), (*gateway)->operator_endpoint());
  tocsin::Status served = (*gateway)->Run(signals.stop, signals.reload);
  if (!served) {
    spdlog::critical("stopping on a fatal error: {}", served.error().ToString());
    return 1;
  }
  return 0;
}
