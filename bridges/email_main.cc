// tocsin-bridge-email -- sends the escalation e-mails the gateway queues.
//
//   tocsin-bridge-email --config bridge-email.toml
#include <curl/curl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bridges/bridge_runner.h"
#include "bridges/email_sender.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tocsin-bridge-email: escalation e-mails over SMTP with STARTTLS"};
  std::string config_path;
  app.add_option("--config", config_path, "bridge-email.toml")->required();
  CLI11_PARSE(app, argc, argv);
  auto config = tocsin::bridges::LoadBridgeConfig(config_path, "email");
  if (!config) {
    std::cerr << "tocsin-bridge-email: " << config.error().ToString() << "\n";
    return 1;
  }
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  tocsin::InitLogging("tocsin-bridge-email", config->log_format);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGPIPE, SIG_IGN);
  tocsin::SystemClock clock;
  auto runner = tocsin::bridges::BridgeRunner::Create(
      *config, "email", std::make_unique<tocsin::bridges::EmailSender>(*config), clock);
  if (!runner) {
    spdlog::critical("cannot start: {}", runner.error().ToString());
    return 1;
  }
  tocsin::Status served = (*runner)->Run(g_stop);
  curl_global_cleanup();
  if (!served) {
    spdlog::critical("stopped: {}", served.error().ToString());
    return 1;
  }
  return 0;
}
