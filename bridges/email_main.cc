// tocsin-bridge-email -- sends the escalation e-mails the gateway queues.
//
//   tocsin-bridge-email --config bridge-email.toml
#include "bridges/daemon.h"
#include "bridges/email_sender.h"

int main(int argc, char** argv) {
  using namespace tocsin::bridges;
  return RunBridgeDaemon(
      argc, argv,
      {"email", "escalation e-mails over SMTP with STARTTLS",
       [](const BridgeConfig& c) { return std::make_unique<EmailSender>(c); }, nullptr});
}
