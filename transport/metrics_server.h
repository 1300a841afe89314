// transport/metrics_server.h -- GET /metrics on a loopback port, in the
// Prometheus text format, served from one thread of its own.
//
// The owner renders; the server never touches the owner's state. A scrape
// that finds no text younger than `kFreshMs` asks for a new one and waits
// up to `kWaitMs` for the owner's loop to Publish it, then answers with the
// newest text it has. So an unscraped daemon renders nothing, and a local
// client scraping in a loop makes it render at most once per `kFreshMs`.
//
// It serves through a LoopbackHttpServer (transport/loopback_http.h, which
// bounds what a local client can make it hold) with kMaxConnections
// connections and kRequestDeadlineMs to ask: GET /metrics; any other path
// gets 404.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "transport/loopback_http.h"

namespace tocsin::transport {

// "127.0.0.1:9464", "[::1]:9464" or "localhost:9464" (port 0: any free
// port). Anything else is refused: metrics are for a local scraper or
// exporter, never a network port (docs/operations.md).
struct MetricsAddress {
  std::string host;
  int port = 0;
};
Result<MetricsAddress> ParseMetricsAddress(const std::string& listen);

class MetricsServer;

// A daemon's metrics server for its `metrics_listen` key: nullptr when the
// key is empty; otherwise started, its URL logged.
Result<std::unique_ptr<MetricsServer>> StartMetrics(const std::string& listen);

// A configuration loader's check of `metrics_listen` (empty is fine).
Status ValidateMetricsListen(const std::string& listen, const std::string& file);

class MetricsServer {
 public:
  static constexpr SteadyMillis kFreshMs = 1000;
  static constexpr SteadyMillis kWaitMs = 2000;
  static constexpr std::size_t kMaxConnections = 4;
  static constexpr SteadyMillis kRequestDeadlineMs = 2000;

  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // True when a scrape waits for new text. Cheap: one atomic load.
  bool Wanted() const { return wanted_.load(std::memory_order_acquire); }
  // The text scrapes answer with from now on.
  void Publish(std::string text);

  int port() const { return http_->port(); }
  std::uint64_t scrapes() const { return scrapes_.load(); }
  // 404, 405, 431, 400, cut for slowness.
  std::uint64_t refused() const { return not_found_.load() + http_->refused(); }
  // Its own two counters, for the owner's text: scrapes and refused requests.
  void Render(MetricsText& out) const;

 private:
  MetricsServer() = default;
  // On the HTTP thread: GET /metrics, answered now or once the owner publishes.
  HttpReply Scrape(const HttpRequest& request, SteadyMillis now);
  // Once the owner published after `seen`, or (`last`) with what there is.
  std::optional<HttpAnswer> Answer(std::uint64_t seen, bool last);
  HttpAnswer CurrentLocked() const;  // mutex_ held

  std::unique_ptr<LoopbackHttpServer> http_;
  std::atomic<bool> wanted_{false};
  std::atomic<std::uint64_t> scrapes_{0};
  std::atomic<std::uint64_t> not_found_{0};
  std::mutex mutex_;
  std::string text_;               // guarded by mutex_
  std::uint64_t generation_ = 0;   // guarded by mutex_
  SteadyMillis published_at_ = 0;  // guarded by mutex_
};

}  // namespace tocsin::transport
