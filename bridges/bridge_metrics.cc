// BridgeRunner::PublishMetrics: a bridge's metrics (docs/operations.md,
// Metrics): its link, its durable queue by outcome, its attempts.
#include "bridges/bridge_runner.h"
#include "common/command_line.h"
#include "common/metrics.h"
#include "protocol/bridge_messages.h"
#include "protocol/messages.h"

namespace tocsin::bridges {

void BridgeRunner::PublishMetrics() {
  MetricsText out;
  RenderProcessInfo(out, "tocsin-bridge-" + channel_, TOCSIN_VERSION, protocol::kProtocolVersion,
                    static_cast<double>(started_wall_) / 1000.0);
  out.Gauge("tocsin_bridge_linked", "1 while the CURVE link to the gateway is up, else 0.",
            linked_ ? 1 : 0);
  out.Gauge("tocsin_bridge_gateway_trusted",
            "1 while the pinned gateway's certificate verifies under the current CRL.",
            trust_->gateway_trusted() ? 1 : 0);
  Result<store::QueueTallies> queue = queue_.Tallies();
  if (queue) {
    out.Family("tocsin_bridge_queue_tasks", "gauge",
               "Tasks in the durable queue by outcome (accepted: still to attempt).");
    for (const auto& [outcome, count] : queue->tasks) {
      out.Sample("tocsin_bridge_queue_tasks", static_cast<double>(count),
                 {{"outcome", protocol::TaskOutcomeName(static_cast<std::uint64_t>(outcome))}});
    }
    out.Gauge("tocsin_bridge_outcomes_unreported",
              "Task outcomes the gateway has not confirmed yet.",
              static_cast<double>(queue->unreported));
    out.Gauge("tocsin_bridge_inbound_unanswered", "Inbound SMS the gateway has not judged yet.",
              static_cast<double>(queue->inbound_unanswered));
  } else {
    ++storage_errors_;
    spdlog::error("metrics: cannot read the queue's counts: {}", queue.error().ToString());
  }
  out.Counter("tocsin_storage_errors_total",
              "Queue reads that failed since start (a failed write stops the bridge).",
              static_cast<double>(storage_errors_));
  out.Family("tocsin_bridge_messages_total", "counter", "Since start, by what happened.");
  for (const auto& [what, count] :
       {std::pair{"received", counters_.received}, std::pair{"sent", counters_.sent},
        std::pair{"retried", counters_.retried}, std::pair{"failed", counters_.failed},
        std::pair{"inbound", counters_.inbound}}) {
    out.Sample("tocsin_bridge_messages_total", static_cast<double>(count), {{"event", what}});
  }
  const pki::CrlCurrency& crl = trust_->directory().crl_currency();
  out.Gauge("tocsin_crl_current_until_timestamp_seconds",
            "Until when the loaded CRL is current; past it the bridge trusts nothing new.",
            static_cast<double>(crl.current_until) / 1000.0);
  metrics_->Render(out);
  metrics_->Publish(out.Take());
}

}  // namespace tocsin::bridges
