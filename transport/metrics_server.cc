#include "transport/metrics_server.h"

#include <charconv>

#include <httplib.h>

#include "common/log.h"
#include "transport/listener_guard.h"

namespace tocsin::transport {
namespace {

constexpr std::size_t kMaxConnections = 4;
constexpr SteadyMillis kConnectionDeadlineMs = 5000;

}  // namespace

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
  server->server_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->server_;
  http.set_read_timeout(1, 0);
  http.set_write_timeout(1, 0);
  http.set_keep_alive_max_count(1);
  http.set_payload_max_length(1024);
  MetricsServer* self = server.get();
  http.Get("/metrics", [self](const httplib::Request&, httplib::Response& response) {
    std::string body;
    self->Serve(&body);
    if (body.empty()) {
      response.status = 503;  // nothing rendered yet
      response.set_content("metrics not ready\n", "text/plain");
      return;
    }
    response.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
  });
  if (address.port == 0) {
    server->port_ = http.bind_to_any_port(address.host);
  } else if (http.bind_to_port(address.host, address.port)) {
    server->port_ = address.port;
  }
  if (server->port_ <= 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot listen for metrics on " + listen +
                                                  " (in use, or not a local address)");
  }
  server->deadline_ = std::make_unique<ConnectionDeadline>("metrics endpoint", server->port_,
                                                          kConnectionDeadlineMs);
  ConnectionDeadline* deadline = server->deadline_.get();
  http.new_task_queue = [deadline] { return new ConnectionThreads(kMaxConnections, *deadline); };
  server->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
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

MetricsServer::~MetricsServer() {
  if (server_) {
    server_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void MetricsServer::Publish(std::string text) {
  {
    std::lock_guard lock(mutex_);
    text_ = std::move(text);
    ++generation_;
    published_at_ = SteadyNowMillis();
    wanted_.store(false, std::memory_order_release);
  }
  published_.notify_all();
}

void MetricsServer::Serve(std::string* body) {
  scrapes_.fetch_add(1);
  std::unique_lock lock(mutex_);
  if (generation_ == 0 || SteadyNowMillis() - published_at_ >= kFreshMs) {
    std::uint64_t seen = generation_;
    wanted_.store(true, std::memory_order_release);
    published_.wait_for(lock, std::chrono::milliseconds(kWaitMs),
                        [this, seen] { return generation_ != seen; });
  }
  *body = text_;
}

}  // namespace tocsin::transport
