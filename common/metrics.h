// common/metrics.h -- the Prometheus text exposition format (version 0.0.4).
//
// A daemon renders its metrics into a MetricsText on its own thread and
// hands the text to a server (transport/metrics_server.h); nothing here
// locks or allocates per sample beyond the output string.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tocsin {

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class MetricsText {
 public:
  // Opens a family: its # HELP and # TYPE lines. `type` is "counter",
  // "gauge" or "histogram"; `name` must be a valid metric name.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the family opened last (or its _bucket/_sum/_count).
  // Label values are escaped as the format requires.
  void Sample(std::string_view name, double value, MetricLabels labels = {});

  // Family and one sample, for a family of one unlabelled sample.
  void Gauge(std::string_view name, std::string_view help, double value);
  void Counter(std::string_view name, std::string_view help, double value);

  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

// A cumulative histogram with fixed upper bounds (seconds, ascending).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Its family: name_bucket{le=...} for each bound and +Inf, name_sum, name_count.
  void Render(MetricsText& out, std::string_view name, std::string_view help) const;
  std::uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bound, not cumulative
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// tocsin_build_info{program,version,protocol} 1 and
// tocsin_process_start_time_seconds: every daemon's first two families.
void RenderProcessInfo(MetricsText& out, std::string_view program, std::string_view version,
                       std::uint64_t protocol, double start_time_seconds);

// Bounds for delivery latencies: 50 ms to one hour.
std::vector<double> LatencyBoundsSeconds();

}  // namespace tocsin
