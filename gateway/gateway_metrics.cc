// Gateway::PublishMetrics: the gateway's metrics (docs/operations.md lists
// every family and the alerts built on them).
#include <array>

#include "common/command_line.h"
#include "common/metrics.h"
#include "gateway/gateway.h"
#include "protocol/bridge_messages.h"
#include "transport/metrics_server.h"

namespace tocsin::gateway {
namespace {


double Seconds(UnixMillis ms) { return static_cast<double>(ms) / 1000.0; }

std::string TaskStateName(int outcome) {
  switch (outcome) {
    case store::LedgerTallies::kTaskWaiting: return "waiting";
    case store::LedgerTallies::kTaskHanded: return "handed";
    default: return std::string(protocol::TaskOutcomeName(static_cast<std::uint64_t>(outcome)));
  }
}

void RenderLedger(MetricsText& out, const store::LedgerTallies& tallies) {
  out.Family("tocsin_deliveries", "gauge",
             "Deliveries of the directives not expired, by state (refused: the agency signed a "
             "refusal of its copy and holds nothing).");
  for (std::size_t i = 0; i < tallies.deliveries.size(); ++i) {
    out.Sample("tocsin_deliveries", static_cast<double>(tallies.deliveries[i]),
               {{"state", DeliveryStateName(kDeliveryStates[i])}});
  }
  out.Family("tocsin_directives", "gauge",
             "Directives by the state of their least advanced delivery; expired ones apart.");
  for (std::size_t i = 0; i < tallies.directives.size(); ++i) {
    out.Sample("tocsin_directives", static_cast<double>(tallies.directives[i]),
               {{"state", DeliveryStateName(kDeliveryStates[i])}});
  }
  out.Sample("tocsin_directives", static_cast<double>(tallies.expired_directives),
             {{"state", "expired"}});
  out.Family("tocsin_escalation_steps_total", "counter",
             "Escalation steps fired, by action, as the ledger holds them.");
  for (const auto& [action, count] : tallies.escalations) {
    out.Sample("tocsin_escalation_steps_total", static_cast<double>(count), {{"action", action}});
  }
  out.Family("tocsin_bridge_tasks", "gauge",
             "Bridge tasks by channel and state (waiting for a bridge, handed to one, or the "
             "bridge's last report).");
  for (const auto& [key, count] : tallies.bridge_tasks) {
    std::string state = TaskStateName(key.second);
    out.Sample("tocsin_bridge_tasks", static_cast<double>(count),
               {{"channel", key.first}, {"state", state}});
  }
}

}  // namespace

void Gateway::PublishMetrics() {
  UnixMillis now = clock_.NowMillis();
  // A failed read is counted and shown, not fatal (a failed write is).
  Result<store::LedgerTallies> tallies = ledger_.Tallies(now);
  if (!tallies) {
    ++counters_.storage_errors;
    spdlog::error("metrics: cannot read the ledger's counts: {}", tallies.error().ToString());
  }
  MetricsText out;
  RenderProcessInfo(out, "tocsin-gateway", TOCSIN_VERSION, protocol::kProtocolVersion,
                    Seconds(started_at_));
  std::size_t enrolled = 0;
  for (const auto& [id, principal] : registry_->Snapshot()) {
    enrolled += principal.role == Role::kAgency ? 1 : 0;
  }
  out.Gauge("tocsin_agencies_enrolled", "Agencies enrolled, unrevoked, under a current CRL.",
            static_cast<double>(enrolled));
  out.Gauge("tocsin_agencies_connected", "Agencies with a live connection that said a valid hello.",
            static_cast<double>(agency_guard_.guard.live_principals()));
  if (tallies) {
    RenderLedger(out, *tallies);
  }
  out.Counter("tocsin_storage_errors_total",
              "Ledger reads that failed since start (a failed write stops the gateway).",
              static_cast<double>(counters_.storage_errors));
  out.Counter("tocsin_directives_accepted_total", "Directives accepted since start.",
              static_cast<double>(counters_.directives_accepted));
  out.Counter("tocsin_receipts_recorded_total",
              "Receipts and acknowledgements that moved a delivery, since start.",
              static_cast<double>(counters_.receipts_recorded));
  out.Counter("tocsin_copies_refused_total", "Copies agencies refused by their signed word, since start.",
              static_cast<double>(counters_.refusals));
  receipt_latency_.Render(out, "tocsin_receipt_latency_seconds",
                          "From a directive's acceptance to each agency's first signed receipt.");
  acknowledgement_latency_.Render(
      out, "tocsin_acknowledgement_latency_seconds",
      "From a directive's acceptance to each agency's signed acknowledgement.");
  out.Family("tocsin_messages_refused_total", "counter",
             "Messages refused since start, by reason (throttled: over a principal's budget).");
  for (const auto& [reason, count] :
       {std::pair{"unauthorized", counters_.refused_unauthorized},
        std::pair{"malformed", counters_.refused_malformed},
        std::pair{"invalid", counters_.refused_invalid},
        std::pair{"throttled", agency_accounting_.throttled() + operator_accounting_.throttled()},
        std::pair{"bridge", bridges_ ? bridges_->refused() : std::uint64_t{0}}}) {
    out.Sample("tocsin_messages_refused_total", static_cast<double>(count), {{"reason", reason}});
  }
  out.Family("tocsin_handshakes_refused_total", "counter",
             "CURVE handshakes ZAP refused since start: a key not admitted, or one coming too fast.");
  // Two counters of their own (the ZAP thread bumps them): each monotonic.
  out.Sample("tocsin_handshakes_refused_total", static_cast<double>(zap_->unadmitted()),
             {{"reason", "key"}});
  out.Sample("tocsin_handshakes_refused_total", static_cast<double>(zap_->throttled()),
             {{"reason", "throttled"}});
  out.Counter("tocsin_connections_cut_total",
              "Connections cut since start (no hello in time, or over a principal's cap).",
              static_cast<double>(agency_guard_.guard.cut() + operator_guard_.guard.cut() +
                                  bridge_guard_.guard.cut()));
  out.Counter("tocsin_split_views_total", "Signed receipts from agencies shown another log.",
              static_cast<double>(counters_.split_views));
  out.Counter("tocsin_damaged_directives_total",
              "Stored directives held back because they no longer match the log (storage damage).",
              static_cast<double>(counters_.damaged_directives));
  out.Gauge("tocsin_audit_log_entries", "Entries in the audit log.",
            static_cast<double>(ledger_.audit().size()));
  out.Gauge("tocsin_audit_checkpoint_entries", "The size of the latest signed checkpoint.",
            static_cast<double>(audit_->latest_size()));
  out.Gauge("tocsin_audit_checkpoint_timestamp_seconds",
            "When the latest checkpoint was signed, Unix time (0: none yet).",
            Seconds(audit_->latest_signed_at()));
  const pki::CrlCurrency& crl = registry_->directory().crl_currency();
  out.Gauge("tocsin_crl_next_update_timestamp_seconds", "The loaded CRL's next update, Unix time.",
            Seconds(crl.next_update));
  out.Gauge("tocsin_crl_current_until_timestamp_seconds",
            "Until when the loaded CRL is current (its next update, or a freshness statement's "
            "end); past it nobody is admitted.",
            Seconds(crl.current_until));
  metrics_->Render(out);
  metrics_->Publish(out.Take());
}

}  // namespace tocsin::gateway
