// client/agency_client.h -- tocsin-client run: an agency's daemon.
//
// Connects to the gateway over CURVE with the agency's transport key and the
// gateway's pinned key; verifies, decrypts and stores every directive before
// it returns a signed receipt; runs the notify hook; sends the officers'
// signed acknowledgements; resends whatever the gateway has not confirmed;
// and raises a freeze alarm when no fresh signed heartbeat arrives.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>

#include <zmq.hpp>

#include "client/config.h"
#include "client/log_watch.h"
#include "client/notifier.h"
#include "common/clock.h"
#include "pki/bundle.h"
#include "pki/directory.h"
#include "pki/gateway_trust.h"
#include "protocol/directive.h"
#include "protocol/messages.h"
#include "protocol/promise.h"
#include "store/inbox.h"
#include "transport/handshake_monitor.h"

namespace tocsin::client {

struct ClientCounters {
  std::uint64_t directives_stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t refused = 0;
  std::uint64_t freeze_alarms = 0;
  std::uint64_t log_alarms = 0;
  std::uint64_t promises_kept = 0;
  std::uint64_t promises_broken = 0;
};

class AgencyClient {
 public:
  static Result<std::unique_ptr<AgencyClient>> Create(const ClientConfig& config, const Clock& clock);
  ~AgencyClient();
  // Serves until `stop` is set; `reload` (SIGHUP) loads the CA folder again,
  // as a changed or expired CRL does by itself within a second.
  Status Run(const std::atomic<bool>& stop, std::atomic<bool>& reload);

 private:
  AgencyClient(const ClientConfig& config, const Clock& clock, pki::PrincipalBundle bundle,
               std::unique_ptr<pki::GatewayTrust> trust, store::Inbox inbox)
      : config_(config), clock_(clock), bundle_(std::move(bundle)), trust_(std::move(trust)),
        inbox_(std::move(inbox)) {}

  Status Connect();
  Status Drain();
  Status HandleDirective(const Bytes& wire);
  // The follow-up rule (protocol/follow_up.h) against the inbox; the outer
  // Result fails only when the inbox does.
  Result<Status> CheckFollowUp(const protocol::VerifiedDirective& directive);
  Status HandleControl(const Bytes& wire, const protocol::Envelope& envelope);
  // Queues the notify hook for a stored directive; PollNotifications runs
  // it and records each success, ResumeNotifications requeues what the
  // inbox says was never notified (a daemon killed in between).
  void Notify(const store::InboxEntry& entry);
  Status PollNotifications();
  Status ResumeNotifications();
  Status ResendUnconfirmed();
  void Send(ByteView wire);
  void CheckFreshness();
  void SendHello();
  void DrainMonitor();
  Status LoadHeldCheckpoint();
  Status HandleCheckpoint(const protocol::Envelope& envelope);
  // The gateway's log key, from its verified log certificate.
  Result<crypto::PublicKey> LogKey();
  // Log promises (protocol/promise.h): a valid promise for one of our
  // receipts or acknowledgements confirms it and is kept; each checkpoint
  // held is checked against the open ones, and proofs are asked for.
  Status HandlePromise(const Bytes& wire);
  Status CheckPromises(const protocol::Checkpoint& checkpoint);
  Status HandleInclusionProof(const protocol::Envelope& envelope);
  Status SettlePromise(const store::PromiseRecord& record, const protocol::Promise& promise,
                       const protocol::PromiseJudgement& judgement);

  ClientConfig config_;
  const Clock& clock_;
  pki::PrincipalBundle bundle_;
  std::unique_ptr<pki::GatewayTrust> trust_;  // the CA folder, kept current
  store::Inbox inbox_;
  zmq::context_t context_;  // before the socket: destroyed last
  zmq::socket_t socket_;
  std::optional<transport::HandshakeMonitor> monitor_;  // of socket_: hello at once
  UnixMillis started_at_ = 0;
  UnixMillis last_heartbeat_ = 0;  // 0: none yet
  UnixMillis next_hello_ = 0;
  UnixMillis next_resend_ = 0;
  bool frozen_ = false;
  std::unique_ptr<Notifier> notifier_;  // null without a hook
  SteadyMillis next_resume_ = 0;
  std::optional<HeldCheckpoint> held_log_;  // the last audit checkpoint accepted
  // Open promises by log index: when a held checkpoint first covered them
  // (steady clock), and whether their lateness was already reported.
  struct Covered {
    SteadyMillis since = 0;
    bool reported = false;
  };
  std::map<std::uint64_t, Covered> covered_;
  ClientCounters counters_;
};

}  // namespace tocsin::client
