#include "transport/metrics_server.h"

#include <charconv>

#include "common/log.h"

namespace tocsin::transport {
Result<MetricsAddress> ParseMetricsAddress(const std::string& listen) {
  auto refuse = [&listen](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "metrics_listen \"" + listen + "\": " + why +
                         " (give 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)");
  };
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return refuse("no port");
  }
  MetricsAddress address;
  address.host = listen.substr(0, colon);
  if (address.host == "[::1]") {
    address.host = "::1";
  } else if (address.host == "localhost") {
    address.host = "127.0.0.1";
  } else if (address.host != "127.0.0.1") {
    return refuse("not a loopback address");
  }
  std::string_view port(listen.data() + colon + 1, listen.size() - colon - 1);
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() ||
      address.port < 0 || address.port > 65535) {
    return refuse("the port is not a number from 0 to 65535");
  }
  return address;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen) {
  TOCSIN_ASSIGN_OR_RETURN(MetricsAddress address, ParseMetricsAddress(listen));
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  MetricsServer* self = server.get();
  TOCSIN_ASSIGN_OR_RETURN(
      server->http_,
      LoopbackHttpServer::Start(address.host, address.port, {kMaxConnections, kRequestDeadlineMs},
                                [self](const HttpRequest& request, SteadyMillis now) {
                                  return self->Scrape(request, now);
                                },
                                "metrics"));
  return server;
}

Result<std::unique_ptr<MetricsServer>> StartMetrics(const std::string& listen) {
  if (listen.empty()) {
    return std::unique_ptr<MetricsServer>();
  }
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<MetricsServer> server, MetricsServer::Start(listen));
  spdlog::info("metrics on http://{}:{}/metrics", listen.substr(0, listen.rfind(':')),
               server->port());
  return server;
}

Status ValidateMetricsListen(const std::string& listen, const std::string& file) {
  if (listen.empty()) {
    return {};
  }
  Result<MetricsAddress> address = ParseMetricsAddress(listen);
  if (!address) {
    return WithContext(address.error(), file);
  }
  return {};
}

MetricsServer::~MetricsServer() { http_.reset(); }  // its thread calls Scrape: stop it first

void MetricsServer::Render(MetricsText& out) const {
  out.Counter("tocsin_metrics_scrapes_total", "Scrapes of this endpoint since start.",
              static_cast<double>(scrapes()));
  out.Counter("tocsin_metrics_refused_total",
              "Requests to this endpoint refused (not GET /metrics, too large) or cut (too slow).",
              static_cast<double>(refused()));
}

void MetricsServer::Publish(std::string text) {
  {
    std::lock_guard lock(mutex_);
    text_ = std::move(text);
    ++generation_;
    published_at_ = SteadyNowMillis();
    wanted_.store(false, std::memory_order_release);
  }
  http_->Wake();
}

HttpReply MetricsServer::Scrape(const HttpRequest& request, SteadyMillis now) {
  if (request.path != "/metrics") {
    not_found_.fetch_add(1);
    return {HttpAnswer{404, "text/plain", "only GET /metrics\n"}, nullptr, 0};
  }
  scrapes_.fetch_add(1);
  std::uint64_t seen = 0;
  {
    std::lock_guard lock(mutex_);
    if (generation_ != 0 && now - published_at_ < kFreshMs) {
      return {CurrentLocked(), nullptr, 0};  // fresh enough: at once
    }
    seen = generation_;
    wanted_.store(true, std::memory_order_release);
  }
  return {std::nullopt, [this, seen](bool last) { return Answer(seen, last); }, now + kWaitMs};
}

std::optional<HttpAnswer> MetricsServer::Answer(std::uint64_t seen, bool last) {
  std::lock_guard lock(mutex_);
  if (generation_ == seen && !last) {
    return std::nullopt;
  }
  return CurrentLocked();
}

HttpAnswer MetricsServer::CurrentLocked() const {
  if (text_.empty()) {
    return {503, "text/plain", "metrics not ready\n"};
  }
  return {200, "text/plain; version=0.0.4; charset=utf-8", text_};
}

}  // namespace tocsin::transport
