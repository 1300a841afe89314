#include "common/metrics.h"

#include <catch2/catch.hpp>

namespace tocsin {
namespace {

TEST_CASE("MetricsText writes the Prometheus text format, escaping labels and help",
          "[common][metrics]") {
  MetricsText out;
  out.Family("tocsin_deliveries", "gauge", "Deliveries by state\\ line \"two\"\nthree");
  out.Sample("tocsin_deliveries", 3, {{"state", "sent"}});
  out.Sample("tocsin_deliveries", 0.25, {{"state", "a\"b\\c\nd"}, {"sector", "x"}});
  out.Counter("tocsin_total", "All.", 12345678901);
  CHECK(out.text() ==
        "# HELP tocsin_deliveries Deliveries by state\\\\ line \"two\"\\nthree\n"
        "# TYPE tocsin_deliveries gauge\n"
        "tocsin_deliveries{state=\"sent\"} 3\n"
        "tocsin_deliveries{state=\"a\\\"b\\\\c\\nd\",sector=\"x\"} 0.25\n"
        "# HELP tocsin_total All.\n"
        "# TYPE tocsin_total counter\n"
        "tocsin_total 12345678901\n");
}

TEST_CASE("A histogram's buckets are cumulative and end with +Inf", "[common][metrics]") {
  Histogram latency({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 20.0}) {
    latency.Observe(v);
  }
  MetricsText out;
  latency.Render(out, "tocsin_latency_seconds", "Latency.");
  CHECK(out.text() ==
        "# HELP tocsin_latency_seconds Latency.\n"
        "# TYPE tocsin_latency_seconds histogram\n"
        "tocsin_latency_seconds_bucket{le=\"0.1\"} 2\n"  // 0.1 is in the bucket le=0.1
        "tocsin_latency_seconds_bucket{le=\"1\"} 3\n"
        "tocsin_latency_seconds_bucket{le=\"10\"} 3\n"
        "tocsin_latency_seconds_bucket{le=\"+Inf\"} 4\n"
        "tocsin_latency_seconds_sum 20.65\n"
        "tocsin_latency_seconds_count 4\n");
}

}  // namespace
}  // namespace tocsin
