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
#include "transport/metrics_server.h"
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

  // Serves until `stop`; `reload` (SIGHUP) loads the CA folder again (the
  // configuration file is read at start only).
  Status Run(const std::atomic<bool>& stop, std::atomic<bool>& reload);
  const BridgeCounters& counters() const { return counters_; }

 private:
  BridgeRunner(BridgeConfig config, std::string channel, std::unique_ptr<Sender> sender,
               const Clock& clock, pki::PrincipalBundle bundle,
               std::unique_ptr<pki::GatewayTrust> trust, store::BridgeQueue queue);
  Status Connect();
  // Follows the link's events; a link down (no handshake since the last
  // disconnect) for rebuild_after_ (5 s doubling to 60 s) is dialled again
  // on a fresh socket: libzmq 4.3 stops redialling after a refused handshake.
  Status WatchLink(bool* handshake_succeeded);
  void Hello();
  Status DrainGateway();
  Status Attempt();
  Status Report();
  UnixMillis RetryDelay(int attempts) const;
  // Renders every metric for the waiting scrape (bridge_metrics.cc).
  void PublishMetrics();

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
  // Timers, on the steady clock (SECURITY.md 43).
  SteadyMillis next_report_ = 0;
  SteadyMillis next_hello_ = 0;
  bool linked_ = false;  // a handshake succeeded since the last disconnect
  SteadyMillis unlinked_since_ = 0;
  SteadyMillis rebuild_after_ = 5000;
  std::uint64_t connections_ = 0;
  std::string link_problem_;
  BridgeCounters counters_;
  std::unique_ptr<transport::MetricsServer> metrics_;  // null without metrics_listen
  std::uint64_t storage_errors_ = 0;                   // failed queue reads for metrics
  UnixMillis started_wall_ = 0;
};

}  // namespace tocsin::bridges
