// tocsin-bridge-sms -- sends the escalation SMS the gateway queues, through
// Kannel, and passes the duty officers' "ACK <code>" replies back to it.
//
//   tocsin-bridge-sms --config bridge-sms.toml
#include "bridges/daemon.h"
#include "bridges/sms_sender.h"
#include "common/log.h"

int main(int argc, char** argv) {
  using namespace tocsin;
  using namespace tocsin::bridges;
  auto listen = [](const BridgeConfig& c, const Clock& clock) -> Result<std::shared_ptr<void>> {
    TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<KannelListener> listener,
                            KannelListener::Start(c, clock));
    spdlog::info("listening for Kannel on 127.0.0.1:{}", c.listen_port);
    return std::shared_ptr<void>(std::move(listener));
  };
  return RunBridgeDaemon(
      argc, argv,
      {"sms", "escalation SMS through Kannel, and acknowledgements by SMS code",
       [](const BridgeConfig& c) { return std::make_unique<SmsSender>(c); }, listen});
}
