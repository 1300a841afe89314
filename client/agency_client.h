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
#include <set>
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
#include "transport/metrics_server.h"
#include "transport/handshake_monitor.h"

namespace tocsin::client {

struct ClientCounters {
  std::uint64_t directives_stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t refused = 0;
  std::uint64_t refusals_sent = 0;  // signed refusals (each refused copy that named its id)
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
  // Renders every metric for the waiting scrape (client_metrics.cc).
  void PublishMetrics();
  Status HandleDirective(const Bytes& wire);
  // The follow-up rule (protocol/follow_up.h) and the CA's signature rule
  // (protocol/signature_check.h) against the inbox; `why` names the one
  // broken. The outer Result fails only when the inbox does.
  Result<Status> CheckRules(const protocol::VerifiedDirective& directive,
                            protocol::RefusalReason& why);
  Status HandleControl(const Bytes& wire, const protocol::Envelope& envelope);
  // Queues the notify hook for a stored directive; PollNotifications runs
  // it and records each success, ResumeNotifications requeues what the
  // inbox says was never notified (a daemon killed in between).
  void Notify(const store::InboxEntry& entry);
  Status PollNotifications();
  Status ResumeNotifications();
  Status ResendUnconfirmed();
  // Refuses a copy: logs why and, when the copy names its directive, tells
  // the gateway with a signed refusal. A copy sent again is checked again:
  // a cause on this side (a stale CA folder, the clock) may have gone.
  void Refuse(const Bytes& wire, const std::optional<Bytes>& claimed_id,
              protocol::RefusalReason reason, const Error& error);
  void Send(ByteView wire);
  void CheckFreshness();
  // Warns when this machine's clock strays from the gateway's (as its
  // heartbeats say) by more than a minute: beyond kMaxClockSkew the
  // gateway refuses what this agency signs.
  Status CheckClockSkew(const protocol::Heartbeat& heartbeat);
  void SendHello();
  void DrainMonitor();
  // Closes and dials again a link with no fresh heartbeat for
  // rebuild_after_ (5 s, doubling to 60 s; back to 5 s with a heartbeat).
  Status RebuildIfSilent();
  static const SteadyMillis kFirstRebuildAfterMs;
  static const SteadyMillis kMaxRebuildAfterMs;
  Status LoadHeldCheckpoint();
  Status HandleCheckpoint(const protocol::Envelope& envelope);
  // The gateway's log key, from its verified log certificate.
  Result<crypto::PublicKey> LogKey();
  // Log promises (protocol/promise.h): a valid promise for one of our
  // receipts or acknowledgements confirms it and is kept; each checkpoint
  // held is checked against the open ones, and proofs are asked for.
  Status HandlePromise(const Bytes& wire);
  // A promise confirms our receipt or acknowledgement only if it names
  // exactly the envelope we sent, and a new entry only if dated about now.
  Status CheckPromiseForUs(const protocol::Promise& promise, const store::InboxEntry& entry,
                           UnixMillis now) const;
  // Judges the open promises against a checkpoint just verified.
  Status CheckPromises(const protocol::Checkpoint& checkpoint);
  // Every few seconds: asks for the proofs the held checkpoint allows
  // (oldest request first, a bounded number), and raises the alarm for a
  // promise no checkpoint covers, or none proves, 5 minutes into a live link.
  Status TendPromises();
  Status RaisePromiseAlarm(const store::PromiseRecord& record, const std::string& why);
  // Raises an alarm (`label`: AUDIT LOG ALARM when signed statements
  // contradict each other, AUDIT LOG UNVERIFIABLE when the log merely cannot
  // be checked, DIRECTIVE ALARM) with its evidence: logged at critical level
  // and stored in log_alarms, the same evidence once, at most 10 a minute.
  Status Alarm(std::string_view label, const std::string& why, const std::string& held,
               const std::string& offending);
  // A checkpoint that could not be checked against the one held.
  Status Unverifiable(const std::string& why);
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
  // Timers, on the steady clock (SECURITY.md 43): a step of the wall clock
  // neither raises nor hides a freeze alarm, nor holds back a resend.
  SteadyMillis started_at_ = 0;
  SteadyMillis last_heartbeat_ = 0;  // 0: none yet
  SteadyMillis next_hello_ = 0;
  SteadyMillis next_resend_ = 0;
  SteadyMillis next_skew_warning_ = 0;
  SystemClock wall_clock_;          // this machine's, unpaced: what the ack command reads
  UnixMillis saved_offset_ = 0;     // gateway minus this machine, as last stored
  SteadyMillis next_offset_save_ = 0;
  SteadyMillis last_rebuild_ = 0;
  std::uint64_t last_heartbeat_sequence_ = 0;  // on this connection
  SteadyMillis rebuild_after_ = 5000;
  std::uint64_t connections_ = 0;  // sockets made: names their monitors
  std::string link_problem_;       // why the last handshake failed or the link dropped
  SteadyMillis next_problem_log_ = 0;
  bool frozen_ = false;
  std::unique_ptr<Notifier> notifier_;  // null without a hook
  SteadyMillis next_resume_ = 0;
  std::optional<HeldCheckpoint> held_log_;  // the last audit checkpoint accepted
  // Open promises by log index, on the steady clock: since when this live
  // link has waited for a checkpoint to cover it, the proof requests sent,
  // and whether its lateness was reported. Reset whenever the link freezes.
  struct Tracking {
    SteadyMillis since = 0;
    SteadyMillis first_request = 0;
    SteadyMillis last_request = 0;
    int requests = 0;
    bool reported = false;
  };
  std::map<std::uint64_t, Tracking> tracking_;
  std::set<crypto::Digest> alarms_seen_;
  SteadyMillis alarm_window_end_ = 0;
  std::size_t alarms_in_window_ = 0;
  std::uint64_t alarms_suppressed_ = 0;
  SteadyMillis unverifiable_since_ = 0;
  std::uint64_t unverifiable_answers_ = 0;
  SteadyMillis next_tend_ = 0;
  ClientCounters counters_;
  std::unique_ptr<transport::MetricsServer> metrics_;  // null without metrics_listen
  std::uint64_t storage_errors_ = 0;                   // failed inbox reads for metrics
  UnixMillis started_wall_ = 0;                        // when Create ran (metrics)
};

}  // namespace tocsin::client
