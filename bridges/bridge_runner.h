// bridges/bridge_runner.h -- what the SMS and e-mail bridges share.
//
// A bridge connects to the gateway's bridge endpoint as a bridge principal
// (CURVE, gateway key pinned from its verified certificate), says which
// channel it serves, stores every task durably before confirming it, tries
// each message with exponential backoff until it is sent or its attempts are
// spent, and reports every outcome until the gateway confirms it. Only the
// Sender differs between channels. Privilege separation (SECURITY.md 33): a
// bridge holds its own keys and the SMTP or Kannel credentials, nothing of
// the gateway's, and sees only the notice text the gateway composed.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "bridges/config.h"
#include "common/clock.h"
#include "pki/bundle.h"
#include "pki/gateway_trust.h"
#include "store/bridge_queue.h"
#include "transport/handshake_monitor.h"

namespace tocsin::bridges {

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends one message; returns its identifier (Message-ID, SMSC answer) or
  // an error saying why it could not.
  virtual Result<std::string> Send(const store::QueuedTask& task) = 0;
};

struct BridgeCounters {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::uint64_t retried = 0;
  std::uint64_t failed = 0;
  std::uint64_t inbound = 0;
};

class BridgeRunner {
 public:
  static Result<std::unique_ptr<BridgeRunner>> Create(const BridgeConfig& config,
                                                      std::string channel,
                                                      std::unique_ptr<Sender> sender,
                                                      const Clock& clock);

  Status Run(const std::atomic<bool>& stop);
  const BridgeCounters& counters() const { return counters_; }

 private:
  BridgeRunner(BridgeConfig config, std::string channel, std::unique_ptr<Sender> sender,
               const Clock& clock, pki::PrincipalBundle bundle,
               std::unique_ptr<pki::GatewayTrust> trust, store::BridgeQueue queue);
  Status Connect();
  void Hello();
  Status DrainGateway();
  Status Attempt();
  Status Report();
  UnixMillis RetryDelay(int attempts) const;

  BridgeConfig config_;
  std::string channel_;
  std::unique_ptr<Sender> sender_;
  const Clock& clock_;
  pki::PrincipalBundle bundle_;
  std::unique_ptr<pki::GatewayTrust> trust_;  // the CA folder, kept current
  store::BridgeQueue queue_;
  zmq::context_t context_;  // before the socket: destroyed last
  zmq::socket_t socket_;
  std::optional<transport::HandshakeMonitor> monitor_;
  UnixMillis next_report_ = 0;
  UnixMillis next_hello_ = 0;
  BridgeCounters counters_;
};

}  // namespace tocsin::bridges
