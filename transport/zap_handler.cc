#include "transport/zap_handler.h"

#include <vector>

#include <zmq_addon.hpp>

#include "common/log.h"

namespace tocsin::transport {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

std::string Text(const zmq::message_t& frame) { return frame.to_string(); }

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t& context,
                                                      ZapAuthenticator& authenticator,
                                                      HandshakeLimits limits) {
  std::unique_ptr<ZapHandler> handler;
  try {
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(kZapEndpoint);
    handler.reset(new ZapHandler(std::move(socket), authenticator, std::move(limits)));
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, std::string("cannot start ZAP handler: ") + e.what());
  }
  handler->thread_ = std::thread([raw = handler.get()] { raw->Serve(); });
  return handler;
}

ZapHandler::~ZapHandler() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ZapHandler::Serve() {
  while (!stopping_) {
    try {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) {
        continue;
      }
      std::vector<zmq::message_t> request;
      if (!zmq::recv_multipart(socket_, std::back_inserter(request), zmq::recv_flags::dontwait)) {
        continue;
      }
      Answer(request);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR || e.num() == EAGAIN) {
        continue;  // a signal or a race: keep serving
      }
      // The context is terminating: stop. Server sockets enforce the ZAP
      // domain, so from here on every handshake is refused, never admitted.
      return;
    }
  }
}

void ZapHandler::Answer(std::vector<zmq::message_t>& request) {
  // RFC 27: version, request id, domain, address, identity, mechanism, key.
  bool well_formed = request.size() == 7 && Text(request[0]) == "1.0" &&
                     Text(request[5]) == "CURVE" && request[6].size() == 32;
  std::optional<std::string> principal;
  if (well_formed) {
    ByteView key(static_cast<const std::uint8_t*>(request[6].data()), request[6].size());
    principal = authenticator_.Authenticate(Text(request[2]), key);
  }
  bool throttled = principal && !WithinLimit(Text(request[2]), *principal);
  if (throttled) {
    ++throttled_;
    principal.reset();
  }
  (principal ? accepted_ : refused_)++;
  if (!principal && !throttled) {
    ++unadmitted_;
  }
  if (!principal) {
    LogRefusal(request, throttled ? "too many handshakes for this key"
                        : well_formed ? "key not enrolled for this endpoint"
                                      : "not a CURVE request");
  }
  std::string request_id = request.size() > 1 ? Text(request[1]) : "";
  std::array<zmq::const_buffer, 6> reply = {
      zmq::str_buffer("1.0"),
      zmq::buffer(request_id),
      principal ? zmq::str_buffer("200") : zmq::str_buffer("400"),
      principal   ? zmq::str_buffer("OK")
      : throttled ? zmq::str_buffer("too many handshakes for this key")
                  : zmq::str_buffer("key not enrolled for this endpoint"),
      principal ? zmq::buffer(*principal) : zmq::const_buffer(),
      zmq::const_buffer(),
  };
  zmq::send_multipart(socket_, reply);
}

void ZapHandler::LogRefusal(const std::vector<zmq::message_t>& request, const char* why) {
  // Whoever connects can cause these, with any key: one line per 5 s at
  // most, with the count and the latest (SECURITY.md 37).
  ++refusals_in_window_;
  SteadyMillis now = SteadyNowMillis();
  if (now < next_refusal_log_) {
    return;
  }
  std::string domain = request.size() > 2 ? Text(request[2]) : "?";
  std::string address = request.size() > 3 ? Text(request[3]) : "?";
  std::string key = request.size() > 6 && request[6].size() == 32
                        ? HexEncode(ByteView(static_cast<const std::uint8_t*>(request[6].data()),
                                             8))
                        : "?";
  LogEvent(spdlog::level::warn, "handshakes_refused",
           {{"domain", domain}, {"count", refusals_in_window_}, {"address", address},
            {"key_prefix", key}, {"reason", why}},
           fmt::format("ZAP refused {} handshake(s) on {} since the last such line; the latest "
                       "from {} with key {}...: {}",
                       refusals_in_window_, domain, address, key, why));
  refusals_in_window_ = 0;
  next_refusal_log_ = now + 5000;
}

bool ZapHandler::WithinLimit(const std::string& domain, const std::string& principal) {
  auto limit = limits_.find(domain);
  if (limit == limits_.end()) {
    return true;
  }
  auto [budget, added] = budgets_.try_emplace({domain, principal}, TokenBucket(limit->second));
  return budget->second.Take(SteadyNowMillis());
}

}  // namespace tocsin::transport
