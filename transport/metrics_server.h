// transport/metrics_server.h -- GET /metrics on a loopback port, in the
// Prometheus text format, served from one thread of its own.
//
// The owner renders; the server never touches the owner's state. A scrape
// that finds no text younger than `kFreshMs` asks for a new one and waits
// up to `kWaitMs` for the owner's loop to Publish it, then answers with the
// newest text it has. So an unscraped daemon renders nothing, and a local
// client scraping in a loop makes it render at most once per `kFreshMs`.
//
// What a local client can make it hold is bounded (SECURITY.md 37): at most
// kMaxConnections at once (the rest wait in the kernel's backlog of 16), a
// request of at most kMaxRequestBytes read within kRequestDeadlineMs of its
// accept, an answer written within kWriteDeadlineMs; one answer per
// connection, then it is closed. It reads a request line and headers only
// (no body) and answers GET /metrics; anything else gets 404, 405 or 431.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"

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
  static constexpr std::size_t kMaxRequestBytes = 2048;
  static constexpr SteadyMillis kRequestDeadlineMs = 2000;
  static constexpr SteadyMillis kWriteDeadlineMs = 5000;

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
  std::uint64_t refused() const { return refused_.load(); }  // 404, 405, 431, cut
  // Its own two counters, for the owner's text: scrapes and refused requests.
  void Render(MetricsText& out) const;

 private:
  struct Connection;
  MetricsServer() = default;
  void Serve();  // the server thread
  void Accept(std::vector<Connection>& connections);
  // Reads what `c` sent; false when it is to be closed.
  bool Read(Connection& c, SteadyMillis now);
  void Answer(Connection& c, SteadyMillis now);
  void Respond(Connection& c, int status, const std::string& body, SteadyMillis now);
  bool Write(Connection& c);

  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Publish and the destructor wake the thread
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> wanted_{false};
  std::atomic<std::uint64_t> scrapes_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::mutex mutex_;
  std::string text_;               // guarded by mutex_
  std::uint64_t generation_ = 0;   // guarded by mutex_
  SteadyMillis published_at_ = 0;  // guarded by mutex_
};

}  // namespace tocsin::transport
