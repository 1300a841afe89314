// transport/metrics_server.h -- GET /metrics on a loopback port, in the
// Prometheus text format, served from the server's own threads.
//
// The owner renders; the server never touches the owner's state. A scrape
// that finds no text younger than `kFreshMs` asks for a new one and waits
// up to `kWaitMs` for the owner's loop to Publish it, then answers with the
// newest text it has. So an unscraped daemon renders nothing, and a local
// client scraping in a loop makes it render at most once per `kFreshMs`.
// Connections are capped and each has a total deadline (listener_guard.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace tocsin::transport {

class ConnectionDeadline;

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

  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // True when a scrape waits for new text. Cheap: one atomic load.
  bool Wanted() const { return wanted_.load(std::memory_order_acquire); }
  // The text scrapes answer with from now on.
  void Publish(std::string text);

  int port() const { return port_; }
  std::uint64_t scrapes() const { return scrapes_.load(); }

 private:
  MetricsServer() = default;
  void Serve(std::string* body);

  std::unique_ptr<ConnectionDeadline> deadline_;  // outlives server_'s task queue
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> wanted_{false};
  std::atomic<std::uint64_t> scrapes_{0};
  std::mutex mutex_;
  std::condition_variable published_;
  std::string text_;               // guarded by mutex_
  std::uint64_t generation_ = 0;   // guarded by mutex_
  SteadyMillis published_at_ = 0;  // guarded by mutex_
};

}  // namespace tocsin::transport
