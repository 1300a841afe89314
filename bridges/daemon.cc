#include "bridges/daemon.h"

#include <curl/curl.h>
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
#include "pki/crl_freshness.h"
#include "pki/setup_check.h"

namespace tocsin::bridges {
int RunBridgeDaemon(int argc, char** argv, const DaemonSpec& spec) {
  std::string program = "tocsin-bridge-" + spec.channel;
  CLI::App app{program + ": " + spec.description, program};
  AddVersionFlag(app, protocol::kProtocolVersion);
  std::string config_path;
  app.add_option("--config", config_path, "bridge-" + spec.channel + ".toml")->required();
  bool check_config = false;
  app.add_flag("--check-config", check_config,
               "check the configuration, keys, CA folder and gateway, then exit (starts nothing)");
  bool no_syscall_filter = false;
  app.add_flag("--no-syscall-filter", no_syscall_filter, kNoSyscallFilterHelp);
  bool full_integrity_check = false;
  app.add_flag("--integrity-check", full_integrity_check,
               "check the whole queue (SQLite's integrity_check, indexes too) before serving");
  if (std::optional<int> exit = tocsin::ParseCommandLine(app, argc, argv)) {
    return *exit;
  }
  Result<BridgeConfig> config = LoadBridgeConfig(config_path, spec.channel);
  if (!config) {
    std::cerr << program << ": " << config.error().ToString() << "\n";
    return 1;
  }
  config->full_integrity_check = full_integrity_check;
  if (check_config) {
    Result<std::vector<std::string>> facts = pki::CheckSetup(
        {config->bundle, config->directory, Role::kBridge, "", config->gateway, spec.channel},
        SystemClock().NowMillis());
    if (facts) {
      Status writable = pki::CheckWritableFolderOf(config->database);
      facts = writable ? std::move(facts) : Result<std::vector<std::string>>(tl::unexpected(writable.error()));
    }
    if (facts) {
      facts->push_back("queue " + config->database + ": its folder is writable; channel " +
                       spec.channel);
    }
    return ReportConfigCheck(program, facts);
  }
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  InitLogging(program, config->log_format);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  DaemonSignals& signals = InstallDaemonSignals();
  ::signal(SIGPIPE, SIG_IGN);
  SystemClock clock;
  Result<std::unique_ptr<BridgeRunner>> runner = StartWhenCurrent(
      [&] { return BridgeRunner::Create(*config, spec.channel, spec.make_sender(*config), clock); },
      pki::IsStaleCrlError, signals.stop);
  Result<std::shared_ptr<void>> extra = std::shared_ptr<void>();
  if (runner && spec.start_extra) {
    extra = spec.start_extra(*config, clock);
  }
  if (!runner || !extra) {
    spdlog::critical("cannot start: {}", (!runner ? runner.error() : extra.error()).ToString());
    return 1;
  }
  // Started (queue open, gateway socket and Kannel listener up): from here
  // on, only the calls a serving bridge makes (SECURITY.md 34).
  if (no_syscall_filter) {
    spdlog::warn("seccomp: --no-syscall-filter: running without the system-call allow-list");
  } else if (Status locked = LockDownSyscalls(); !locked) {
    spdlog::critical("cannot start: {}", locked.error().ToString());
    return 1;
  }
  Status served = (*runner)->Run(signals.stop, signals.reload);
  runner->reset();
  curl_global_cleanup();
  if (!served) {
    spdlog::critical("stopped: {}", served.error().ToString());
    return 1;
  }
  return 0;
}

}  // namespace tocsin::bridges
