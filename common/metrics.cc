#include "common/metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "common/check.h"

namespace tocsin {
namespace {

bool IsMetricName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

// Backslash and newline in HELP; also the double quote in label values.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendValue(std::string& out, double value) {
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (std::isnan(value)) {
    out += "NaN";
  } else if (value == std::floor(value) && std::fabs(value) < 9.0e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(value));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

}  // namespace

void MetricsText::Family(std::string_view name, std::string_view type, std::string_view help) {
  TOCSIN_CHECK(IsMetricName(name));
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  AppendEscaped(text_, help, /*quote=*/false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void MetricsText::Sample(std::string_view name, double value, MetricLabels labels) {
  TOCSIN_CHECK(IsMetricName(name));
  text_ += name;
  if (labels.size() > 0) {
    text_ += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      TOCSIN_CHECK(IsMetricName(label));
      if (!first) {
        text_ += ',';
      }
      first = false;
      text_ += label;
      text_ += "=\"";
      AppendEscaped(text_, label_value, /*quote=*/true);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  AppendValue(text_, value);
  text_ += '\n';
}

void MetricsText::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(name, value);
}

void MetricsText::Counter(std::string_view name, std::string_view help, double value) {
  Family(name, "counter", help);
  Sample(name, value);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {
  TOCSIN_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()));
}

void Histogram::Observe(double value) {
  auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (bucket != bounds_.end()) {
    ++counts_[static_cast<std::size_t>(bucket - bounds_.begin())];
  }
  sum_ += value;
  ++count_;
}

void Histogram::Render(MetricsText& out, std::string_view name, std::string_view help) const {
  out.Family(name, "histogram", help);
  std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    std::string le = fmt::format("{}", bounds_[i]);
    out.Sample(bucket, static_cast<double>(cumulative), {{"le", le}});
  }
  out.Sample(bucket, static_cast<double>(count_), {{"le", "+Inf"}});
  out.Sample(std::string(name) + "_sum", sum_);
  out.Sample(std::string(name) + "_count", static_cast<double>(count_));
}

void RenderProcessInfo(MetricsText& out, std::string_view program, std::string_view version,
                       std::uint64_t protocol, double start_time_seconds) {
  out.Family("tocsin_build_info", "gauge", "The program, its version and protocol version.");
  std::string protocol_text = std::to_string(protocol);
  out.Sample("tocsin_build_info", 1,
             {{"program", program}, {"version", version}, {"protocol", protocol_text}});
  out.Gauge("tocsin_process_start_time_seconds", "When this process started, Unix time.",
            start_time_seconds);
}

std::vector<double> LatencyBoundsSeconds() {
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

}  // namespace tocsin
