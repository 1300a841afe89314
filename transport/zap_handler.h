// transport/zap_handler.h -- a default-deny ZAP handler (RFC 27).
//
// libzmq asks the handler at inproc://zeromq.zap.01, on the same context, to
// authenticate every CURVE handshake. Without a handler CURVE accepts any
// client key, and a dead handler means accept-all unless the server sockets
// enforce the ZAP domain (transport/curve_socket.h does): SECURITY.md, items
// 2 and 3. This handler admits a key only when the Authenticator names its
// principal, and sets the connection's User-Id to that principal id.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <zmq.hpp>

#include "common/bytes.h"
#include "common/result.h"
#include "common/token_bucket.h"

namespace tocsin::transport {

class ZapAuthenticator {
 public:
  virtual ~ZapAuthenticator() = default;
  // Returns the principal id that may connect to `domain` with this CURVE
  // public key, or nullopt to refuse. Called on the ZAP thread: must be
  // thread-safe.
  virtual std::optional<std::string> Authenticate(std::string_view domain,
                                                  ByteView curve_public_key) = 0;
};

class ZapHandler {
 public:
  // Handshakes each principal may complete per ZAP domain (SECURITY.md 37):
  // one key cannot open connections faster than this, whatever it then does
  // with them. A domain not listed is not limited.
  using HandshakeLimits = std::map<std::string, RateLimit, std::less<>>;

  // Binds the ZAP endpoint on `context` and serves it on a thread of its own
  // until destroyed. Start it before any server socket binds. `authenticator`
  // must outlive the handler.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t& context,
                                                   ZapAuthenticator& authenticator,
                                                   HandshakeLimits limits = {});
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  std::uint64_t accepted() const { return accepted_.load(); }
  std::uint64_t refused() const { return refused_.load(); }
  // Handshakes of admitted keys refused for coming too fast (also in refused()).
  std::uint64_t throttled() const { return throttled_.load(); }
  // Handshakes refused for a key not admitted (or a malformed request).
  std::uint64_t unadmitted() const { return unadmitted_.load(); }

 private:
  ZapHandler(zmq::socket_t socket, ZapAuthenticator& authenticator, HandshakeLimits limits)
      : socket_(std::move(socket)), authenticator_(authenticator), limits_(std::move(limits)) {}
  void Serve();
  void Answer(std::vector<zmq::message_t>& request);
  bool WithinLimit(const std::string& domain, const std::string& principal);
  void LogRefusal(const std::vector<zmq::message_t>& request, const char* why);

  zmq::socket_t socket_;
  ZapAuthenticator& authenticator_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> throttled_{0};
  std::atomic<std::uint64_t> unadmitted_{0};
  HandshakeLimits limits_;
  // (domain, principal) -> its handshake budget. ZAP thread only; bounded by
  // the principals the authenticator admits.
  std::map<std::pair<std::string, std::string>, TokenBucket> budgets_;
  std::uint64_t refusals_in_window_ = 0;  // handler thread only
  SteadyMillis next_refusal_log_ = 0;
  std::thread thread_;
};

}  // namespace tocsin::transport
