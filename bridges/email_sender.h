// bridges/email_sender.h -- one e-mail per contact over SMTP with libcurl.
//
// STARTTLS is required and the server's certificate verified (against
// smtp_ca_file, or the system's store) unless the configuration says
// allow_plaintext_smtp = true explicitly. Each message gets its own
// Message-ID, which is what the bridge reports.
#pragma once

#include "bridges/bridge_runner.h"

namespace tocsin::bridges {

class EmailSender final : public Sender {
 public:
  explicit EmailSender(BridgeConfig config) : config_(std::move(config)) {}
  Result<std::string> Send(const store::QueuedTask& task) override;

  // The RFC 5322 message, CRLF line ends; header values stripped of CR and LF.
  static std::string Compose(const store::QueuedTask& task, const std::string& from,
                             const std::string& message_id, UnixMillis now);

 private:
  BridgeConfig config_;
};

}  // namespace tocsin::bridges
