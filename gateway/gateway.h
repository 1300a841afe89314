// gateway/gateway.h -- tocsin-gateway: the broker and witness.
//
// One thread serves the CURVE ROUTER endpoints: agencies (receive
// directives and heartbeats, send receipts), operators (submit directives,
// ask for status) and bridges. The gateway routes only by the
// ZAP-authenticated principal (a route is learned only from that principal's
// own hello once it passed every check, and never leaves the process),
// answers nobody before the ledger has committed, and moves a delivery to
// "delivered" only on a verified signed receipt.
//
// No participant can starve the others (SECURITY.md 37): each turn reads a
// bounded number of messages per socket, each principal spends a message
// budget (PeerAccounting), receipts commit in bounded batches, a repeated
// receipt is answered from memory, refusals are logged once per interval and
// principal, connections that say no hello in time or exceed a principal's
// cap are cut (ConnectionGuard), and every timer runs on the steady clock.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/metrics.h"
#include "crypto/hash.h"
#include "gateway/agency_sessions.h"
#include "gateway/audit_keeper.h"
#include "gateway/bridge_desk.h"
#include "gateway/config.h"
#include "gateway/connection_guard.h"
#include "gateway/escalator.h"
#include "gateway/peer_accounting.h"
#include "gateway/registry.h"
#include "pki/bundle.h"
#include "pki/crl_expiry.h"
#include "pki/directory_watch.h"
#include "protocol/directive.h"
#include "protocol/fanout.h"
#include "protocol/messages.h"
#include "protocol/proposal.h"
#include "store/ledger.h"
#include "transport/connection_events.h"
#include "transport/curve_socket.h"
#include "transport/metrics_server.h"
#include "transport/zap_handler.h"
#include "transport/zmq_support.h"

namespace tocsin::gateway {

struct GatewayCounters {
  std::uint64_t directives_accepted = 0;
  std::uint64_t receipts_recorded = 0;
  std::uint64_t refused_unauthorized = 0;
  std::uint64_t refused_malformed = 0;
  std::uint64_t refused_invalid = 0;
  std::uint64_t duplicates_answered = 0;  // repeated receipts answered from memory
  std::uint64_t proofs_served = 0;        // inclusion proofs for agencies' promises
  std::uint64_t damaged_directives = 0;   // stored copies that no longer match the log
  std::uint64_t split_views = 0;          // signed receipts from agencies shown another log
  std::uint64_t refusals = 0;             // copies agencies refused, by their signed word
  std::uint64_t storage_errors = 0;       // failed ledger reads (a failed write is fatal)
};

// What one turn of the loop may take from each socket, and per principal.
struct GatewayLimits {
  std::size_t messages_per_turn = 256;  // per socket
  std::size_t receipt_batch = 256;      // receipts per group commit
  PeerBudget agency_budget{};
  PeerBudget operator_budget{protocol::kOperatorBudget, 5000};
  ConnectionLimits agency_connections{};
  // An operator's command line sends its request at once; a few may run
  // side by side (status --watch, an issue).
  ConnectionLimits operator_connections{5000, 8};
  ConnectionLimits bridge_connections{5000, 2};
  std::size_t recent_receipts = 8192;   // repeated receipts answered from memory
};

// The descriptors a gateway needs for these enrolled principals: for each,
// what its connection cap and handshake budget let it hold, and a reserve.
std::uint64_t DescriptorsNeeded(const std::map<std::string, Principal, std::less<>>& principals);

// Raises RLIMIT_NOFILE's soft limit to at least `needed` (up to the hard
// limit); fails, naming both numbers and the fix, when the hard limit is
// lower (SECURITY.md 37).
Status RaiseDescriptorLimit(std::uint64_t needed);

// The `accepted` control message that answers an operator or an agency.
Bytes AcceptedEnvelope(const protocol::DirectiveId& id, protocol::AcceptedKind kind,
                       UnixMillis at);

class Gateway {
 public:
  // With backend = postgresql, first stands by until this gateway holds the
  // writer's lease (binding no socket meanwhile) or `stop` is set
  // (kUnavailable).
  static Result<std::unique_ptr<Gateway>> Create(const GatewayConfig& config, const Clock& clock,
                                                 const std::atomic<bool>& stop,
                                                 GatewayLimits limits = {});

  // Serves until `stop` is set. `reload` asks for a registry reload (SIGHUP).
  // Returns an error only for a failure that must end the process (the
  // ledger could not commit).
  Status Run(const std::atomic<bool>& stop, std::atomic<bool>& reload);

  std::string client_endpoint() { return transport::LastEndpoint(client_socket_); }
  std::string operator_endpoint() { return transport::LastEndpoint(operator_socket_); }
  // The metrics port, 0 without metrics_listen.
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }
  const GatewayCounters& counters() const { return counters_; }

 private:
  struct PendingReceipt {
    std::string agency;
    Bytes routing_id;  // the connection it came on: its answer goes back there
    protocol::Receipt receipt;
    Bytes wire;
    crypto::Digest wire_digest{};
  };

  Gateway(const GatewayConfig& config, GatewayLimits limits, const Clock& clock, pki::PrincipalBundle bundle,
          std::unique_ptr<Registry> registry, store::Ledger ledger);

  Status Start();
  Status DrainAgencies();
  Status DrainOperators();
  void WatchConnections();
  Status HandleAgency(transport::PeerMessage& message, std::vector<PendingReceipt>& batch);
  Status HandleHello(transport::PeerMessage& message, const protocol::Envelope& envelope);
  // True when this exact receipt from this agency was recorded lately: it was
  // answered again, from memory.
  bool AnsweredFromMemory(const transport::PeerMessage& message, const crypto::Digest& digest);
  struct RecentReceipt;
  void Remember(const std::string& agency, const crypto::Digest& digest,
                const protocol::Receipt& receipt, RecentReceipt answer);
  Status HandleOperator(transport::PeerMessage& message);
  Status Submit(transport::PeerMessage& message);
  // What a submitted directive must pass: its signatures, submitter, every
  // recipient active, sector labels, and (kWhole) the signature counts and
  // rules; a proposal (kHeld) is checked without them, its signers being
  // still to come. The outer Result fails only when the ledger does.
  enum class Submission { kWhole, kHeld };
  Result<Result<protocol::VerifiedDirective>> CheckSubmission(ByteView wire,
                                                              const std::string& submitter,
                                                              Submission submission);
  // Records a checked directive, answers `message`'s sender, fans it out.
  Status AcceptSubmission(const transport::PeerMessage& message,
                          const protocol::VerifiedDirective& directive, ByteView wire,
                          bool from_proposal);
  // Proposals (gateway_proposals.cc).
  Status HoldProposal(transport::PeerMessage& message, const protocol::Envelope& envelope);
  Status AnswerProposals(transport::PeerMessage& message, const protocol::Envelope& envelope);
  Status Approve(transport::PeerMessage& message, const protocol::Envelope& envelope);
  Status Withdraw(transport::PeerMessage& message, const protocol::Envelope& envelope);
  Status ExpireProposals();
  // The distinct operators `directive` needs: the larger of its header's
  // count, min_signatures and the CA's rule (with the original it follows
  // up, from the ledger). Fails only when the ledger does.
  Result<std::uint32_t> RequiredSignatures(const protocol::VerifiedDirective& directive);
  static protocol::ProposalRow ProposalRowOf(const store::HeldProposal& held);
  // Answers an accepted directive's submitter: accepted, then the promise.
  Status ConfirmDirective(const transport::PeerMessage& message,
                          const protocol::DirectiveHeader& header);
  // The follow-up rule (protocol/follow_up.h) and the CA's signature rule
  // (protocol/signature_check.h) against the ledger; the outer Result fails
  // only when the ledger does.
  Result<Status> CheckRules(const protocol::VerifiedDirective& directive);
  // The stored directive `header` follows up (nullopt: a new one, or unknown).
  Result<std::optional<store::AcceptedDirective>> OriginalOf(const protocol::DirectiveHeader& header);
  // A directive labelled with sectors goes to every active agency of each
  // (docs/protocol.md 6.2): the label a recipient reads is not a claim.
  Status CheckSectorLabels(const protocol::VerifiedDirective& directive) const;
  Status Report(transport::PeerMessage& message, const protocol::Envelope& envelope);
  // Answers an evidence-request: the recorded signed receipts, one page.
  Status AnswerEvidence(transport::PeerMessage& message, const protocol::Envelope& envelope);
  // Sends `agency` its undelivered directives; they are marked sent by
  // FlushCatchUps, one transaction for every hello of the turn.
  Status CatchUp(const std::string& agency);
  Status FlushCatchUps();
  void WatchForSplitView(const std::string& agency, const protocol::Receipt& receipt);
  Status FlushReceipts(std::vector<PendingReceipt>& batch);
  Status FanOut(const protocol::VerifiedDirective& directive);
  // The per-agency copies of a stored directive, built once and kept for the
  // catch-ups that follow a restart (a bounded cache).
  Result<const protocol::DirectiveFanout*> FanoutFor(const Bytes& id);
  const protocol::DirectiveFanout* CacheFanout(const Bytes& id, protocol::DirectiveFanout fanout);
  void SendHeartbeats();
  Status ReloadIfChanged(bool forced);
  Status PublishCheckpoint();
  bool Resend(const Bytes& directive_id, const std::string& agency);
  Status SendCheckpoint(AgencySession& session);
  void Refuse(zmq::socket_t& socket, const transport::PeerMessage& message, const Error& error,
              const std::optional<protocol::DirectiveId>& reference = std::nullopt);
  // Counts a refusal without answering; logs it only as PeerAccounting allows.
  void CountRefusal(PeerAccounting& accounting, const std::string& principal, const Error& error);
  void LogSummaries(bool force = false);
  // The registry's changes into the audit log, unless the CRL is stale
  // (then every check fails, which revokes nobody).
  Status ObservePrincipals();
  // A stored directive that cannot be sent (damaged): counted every time,
  // logged at critical level the first time for each directive.
  Result<protocol::Receipt> CheckRefusedCopy(protocol::Receipt refusal);
  // Logs and counts an agency's signed refusal of a copy.
  void ReportRefusal(const std::string& agency, const protocol::Receipt& refusal);
  void ReportDamaged(const Bytes& id, const std::string& agency, const Error& error);
  // From 6 hours before the CRL's next update, every 10 minutes.
  void WarnOfCrlExpiry();
  // Renders every metric for the waiting scrape (gateway_metrics.cc).
  void PublishMetrics();

  GatewayConfig config_;
  GatewayLimits limits_;
  const Clock& clock_;
  pki::PrincipalBundle bundle_;
  std::unique_ptr<Registry> registry_;
  store::Ledger ledger_;
  zmq::context_t context_;  // before the handler and sockets: destroyed last
  std::unique_ptr<transport::ZapHandler> zap_;
  zmq::socket_t client_socket_;
  zmq::socket_t operator_socket_;
  // A server socket's connections, by descriptor, and which to cut.
  struct GuardedEndpoint {
    const char* name;  // "agency", "operator": in log lines
    ConnectionGuard guard;
    std::optional<transport::ConnectionEvents> events;
    int port = 0;
  };
  Status Guard(GuardedEndpoint& endpoint, zmq::socket_t& socket, const std::string& monitor_name);
  void Cut(GuardedEndpoint& endpoint, const std::vector<int>& connections, const char* why);
  GuardedEndpoint agency_guard_;
  GuardedEndpoint operator_guard_;
  GuardedEndpoint bridge_guard_;  // events unset without a bridge endpoint
  AgencySessions sessions_;
  PeerAccounting agency_accounting_;
  PeerAccounting operator_accounting_;
  // (agency, SHA-256 of a receipt's wire) -> how it was answered, for the
  // last limits_.recent_receipts receipts recorded or refused by the ledger
  // (oldest first in order_): a client resends until answered, and a
  // permanent refusal must not cost a signature check every time.
  struct RecentReceipt {
    protocol::DirectiveId directive_id{};
    protocol::AcceptedKind kind = protocol::AcceptedKind::kReceipt;
    std::optional<Error> refusal;  // why the ledger refused it; none: recorded
    UnixMillis at = 0;    // when the entry recording it was committed
    Bytes promise;        // its signed log promise (empty for legacy rows)
    bool silent = false;  // a refusal: repeats are dropped, unanswered
  };
  std::map<std::pair<std::string, crypto::Digest>, RecentReceipt> recent_receipts_;
  std::deque<std::pair<std::string, crypto::Digest>> recent_order_;
  static constexpr std::size_t kMaxCachedFanouts = 256;
  static constexpr SteadyMillis kEscalationTickMs = 500;
  std::map<Bytes, std::unique_ptr<protocol::DirectiveFanout>> fanouts_;
  std::unique_ptr<AuditKeeper> audit_;
  std::unique_ptr<Escalator> escalator_;  // null without a policy
  std::unique_ptr<BridgeDesk> bridges_;    // null without a bridge endpoint
  // Timers, on the steady clock (SECURITY.md 43).
  SteadyMillis next_escalation_ = 0;
  SteadyMillis next_dispatch_ = 0;
  static constexpr SteadyMillis kProposalSweepMs = 1000;
  static constexpr std::size_t kMaxProposalsPerIssuer = 16;
  SteadyMillis next_proposal_sweep_ = 0;
  SteadyMillis next_checkpoint_ = 0;
  SteadyMillis next_heartbeat_ = 0;
  SteadyMillis next_guard_check_ = 0;
  SteadyMillis next_lease_renewal_ = 0;  // PostgreSQL: the writer's lease, a fifth of its span
  pki::CrlExpiryWarner crl_warner_{config_.directory};
  std::map<std::string, SteadyMillis> next_split_view_log_;  // per agency: one line a minute
  std::set<Bytes> damaged_reported_;
  std::uint64_t heartbeat_sequence_ = 0;
  pki::DirectoryWatch crl_watch_;
  GatewayCounters counters_;
  // Copies sent by this turn's catch-ups, not yet marked sent, and the time
  // they are marked at (the turn's first catch-up's).
  std::vector<store::SentRecord> caught_up_;
  UnixMillis caught_up_at_ = 0;
  UnixMillis started_at_ = 0;
  std::unique_ptr<transport::MetricsServer> metrics_;  // null without metrics_listen
  Histogram receipt_latency_{LatencyBoundsSeconds()};
  Histogram acknowledgement_latency_{LatencyBoundsSeconds()};
};

}  // namespace tocsin::gateway
