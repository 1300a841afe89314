// AgencyClient::PublishMetrics: an agency daemon's metrics (docs/operations.md,
// Metrics): the link to the gateway, the inbox, alarms and the pager hook.
#include "client/agency_client.h"
#include "common/command_line.h"
#include "common/metrics.h"
#include "protocol/messages.h"

namespace tocsin::client {

void AgencyClient::PublishMetrics() {
  MetricsText out;
  RenderProcessInfo(out, "tocsin-client", TOCSIN_VERSION, protocol::kProtocolVersion,
                    static_cast<double>(started_wall_) / 1000.0);
  SteadyMillis now = SteadyNowMillis();
  bool fresh = last_heartbeat_ != 0 && now - last_heartbeat_ < config_.heartbeat_alarm_ms;
  out.Gauge("tocsin_client_gateway_live",
            "1 while signed heartbeats from the pinned gateway arrive in time, else 0 (FREEZE).",
            fresh ? 1 : 0);
  if (last_heartbeat_ != 0) {
    out.Gauge("tocsin_client_heartbeat_age_seconds", "Since the last valid signed heartbeat.",
              static_cast<double>(now - last_heartbeat_) / 1000.0);
  }
  out.Gauge("tocsin_client_gateway_trusted",
            "1 while the pinned gateway's certificate verifies under the current CRL.",
            trust_->gateway_trusted() ? 1 : 0);
  Result<store::InboxTallies> inbox = inbox_.Tallies(clock_.NowMillis());
  if (inbox) {
    out.Gauge("tocsin_client_directives_stored", "Directives in the inbox.",
              static_cast<double>(inbox->stored));
    out.Gauge("tocsin_client_directives_unacknowledged",
              "Directives not acknowledged by an officer and not expired.",
              static_cast<double>(inbox->unacknowledged));
    out.Gauge("tocsin_client_confirmations_pending",
              "Signed receipts or acknowledgements the gateway has not confirmed yet.",
              static_cast<double>(inbox->unconfirmed));
  } else {
    ++storage_errors_;
    spdlog::error("metrics: cannot read the inbox's counts: {}", inbox.error().ToString());
  }
  out.Counter("tocsin_storage_errors_total",
              "Inbox reads that failed since start (a failed write stops the client).",
              static_cast<double>(storage_errors_));
  out.Counter("tocsin_client_directives_received_total", "Directives stored since start.",
              static_cast<double>(counters_.directives_stored));
  out.Counter("tocsin_client_messages_refused_total", "Messages from the gateway refused since start.",
              static_cast<double>(counters_.refused));
  out.Counter("tocsin_client_copies_refused_total", "Copies refused with a signed refusal since start.",
              static_cast<double>(counters_.refusals_sent));
  out.Counter("tocsin_client_freeze_alarms_total", "FREEZE alarms since start.",
              static_cast<double>(counters_.freeze_alarms));
  out.Counter("tocsin_client_log_alarms_total", "Audit-log alarms (split view, broken promise) since start.",
              static_cast<double>(counters_.log_alarms));
  out.Family("tocsin_client_promises_total", "counter", "Log promises settled since start, by outcome.");
  out.Sample("tocsin_client_promises_total", static_cast<double>(counters_.promises_kept),
             {{"outcome", "kept"}});
  out.Sample("tocsin_client_promises_total", static_cast<double>(counters_.promises_broken),
             {{"outcome", "broken"}});
  out.Family("tocsin_client_notify_runs_total", "counter", "Runs of the notify hook since start.");
  out.Sample("tocsin_client_notify_runs_total",
             static_cast<double>(notifier_ ? notifier_->succeeded() : 0), {{"outcome", "succeeded"}});
  out.Sample("tocsin_client_notify_runs_total",
             static_cast<double>(notifier_ ? notifier_->failed_runs() : 0), {{"outcome", "failed"}});
  const pki::CrlCurrency& crl = trust_->directory().crl_currency();
  out.Gauge("tocsin_crl_current_until_timestamp_seconds",
            "Until when the loaded CRL is current; past it the client trusts nothing new.",
            static_cast<double>(crl.current_until) / 1000.0);
  metrics_->Render(out);
  metrics_->Publish(out.Take());
}

}  // namespace tocsin::client
