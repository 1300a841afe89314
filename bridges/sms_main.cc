// tocsin-bridge-sms -- sends the escalation SMS the gateway queues, through Kannel,
// and passes the duty officers' "ACK <code>" replies back to the gateway.
//
//   tocsin-bridge-sms --config bridge-sms.toml
#include <curl/curl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bridges/bridge_runner.h"
#include "bridges/sms_sender.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tocsin-bridge-sms: escalation SMS through Kannel, and SMS acknowledgements"};
  std::string config_path;
  app.add_option("--config", config_path, "bridge-sms.toml")->required();
  CLI11_PARSE(app, argc, argv);
  auto config = tocsin::bridges::LoadBridgeConfig(config_path, "sms");
  if (!config) {
    std::cerr << "tocsin-bridge-sms: " << config.error().ToString() << "\n";
    return 1;
  }
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  tocsin::InitLogging("tocsin-bridge-sms", config->log_format);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGPIPE, SIG_IGN);
  tocsin::SystemClock clock;
  auto runner = tocsin::bridges::BridgeRunner::Create(
      *config, "sms", std::make_unique<tocsin::bridges::SmsSender>(*config), clock);
  auto listener = runner ? tocsin::bridges::KannelListener::Start(*config, clock)
                         : decltype(tocsin::bridges::KannelListener::Start(*config, clock))(
                               tl::unexpected(runner.error()));
  if (!runner || !listener) {
    spdlog::critical("cannot start: {}", (!runner ? runner.error() : listener.error()).ToString());
    return 1;
  }
  spdlog::info("listening for Kannel on 127.0.0.1:{}", config->listen_port);
  tocsin::Status served = (*runner)->Run(g_stop);
  curl_global_cleanup();
  if (!served) {
    spdlog::critical("stopped: {}", served.error().ToString());
    return 1;
  }
  return 0;
}
