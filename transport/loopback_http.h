// transport/loopback_http.h -- a small HTTP/1.1 server on a loopback port for
// local callers (metrics scrapes, Kannel's callbacks to the SMS bridge),
// served by one thread of its own with one poll loop.
//
// What a local client can make it hold is bounded (SECURITY.md 37): at most
// `max_connections` connections at once; a request line and headers of at
// most `max_request_bytes`, read within `request_deadline_ms` of the accept;
// an answer written within kWriteDeadlineMs; one answer per connection, then
// it is closed. It reads no body. It never stops accepting: a connection
// over the cap evicts the oldest one that has not yet sent a whole request,
// and each is read at once, so idle sockets held by a local user cannot keep
// a genuine caller (which sends its request with the connection) out. Anything but GET is answered 405, an oversized request 431, a
// request line it cannot read 400; the handler answers the rest. Refusals
// and cuts are counted, and said in a warning line at most every 10 s.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "common/token_bucket.h"

namespace tocsin::transport {

struct HttpRequest {
  std::string path;   // before any '?'
  std::string query;  // after it, as sent
};

// The URL-decoded value of the first `name=` in `query` ('+' is a space).
// nullopt when absent, or when a '%' is not followed by two hex digits.
std::optional<std::string> QueryParameter(std::string_view query, std::string_view name);

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

// A handler's reply: an answer now, or a continuation. `later` is asked
// again each time the server is woken (LoopbackHttpServer::Wake) and, with
// `last` true, once `until` has passed, when it must answer.
struct HttpReply {
  std::optional<HttpAnswer> answer;
  std::function<std::optional<HttpAnswer>(bool last)> later;
  SteadyMillis until = 0;
};

class LoopbackHttpServer {
 public:
  static constexpr SteadyMillis kWriteDeadlineMs = 5000;
  static constexpr std::size_t kMaxAcceptsPerTurn = 256;

  struct Limits {
    std::size_t max_connections = 4;
    SteadyMillis request_deadline_ms = 2000;
    std::size_t max_request_bytes = 2048;
  };
  // Called on the server's thread, one request at a time.
  using Handler = std::function<HttpReply(const HttpRequest& request, SteadyMillis now)>;

  // Listens on `host` ("127.0.0.1" or "::1") and `port` (0: any free port).
  // `name` says what it serves in errors ("metrics", "Kannel listener").
  static Result<std::unique_ptr<LoopbackHttpServer>> Start(const std::string& host, int port,
                                                          Limits limits, Handler handler,
                                                          const std::string& name);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  // Makes the thread ask the pending continuations again. Any thread.
  void Wake();
  int port() const { return port_; }
  // Requests answered 400, 405 or 431, and connections cut for slowness.
  std::uint64_t refused() const { return refused_.load(); }

 private:
  struct Connection;
  LoopbackHttpServer(Limits limits, Handler handler, std::string name)
      : limits_(limits), handler_(std::move(handler)), name_(std::move(name)) {}
  void Serve();
  void Accept(std::vector<Connection>& connections, SteadyMillis now);
  // Room for one more: the oldest connection still reading is cut. False
  // when every one is already answering.
  bool Evict(std::vector<Connection>& connections, SteadyMillis now);
  bool Read(Connection& c, SteadyMillis now);  // false: close it
  void Dispatch(Connection& c, SteadyMillis now);
  void Continue(Connection& c, SteadyMillis now);
  void Respond(Connection& c, const HttpAnswer& answer, SteadyMillis now);
  bool Write(Connection& c);  // false: close it
  void Refuse(Connection& c, int status, const char* why, SteadyMillis now);
  void Cut(SteadyMillis now);  // one connection too slow: counted, said now and then

  Limits limits_;
  Handler handler_;
  std::string name_;
  TokenBucket lines_{RateLimit{0.1, 1}};  // server thread only
  std::uint64_t cut_since_line_ = 0;      // server thread only
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Wake and the destructor
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace tocsin::transport
