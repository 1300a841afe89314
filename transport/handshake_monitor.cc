#include "transport/handshake_monitor.h"

#include <cstdio>
#include <cstring>

namespace tocsin::transport {

Result<HandshakeMonitor> HandshakeMonitor::Watch(zmq::context_t& context, zmq::socket_t& socket,
                                                 const std::string& name) {
  std::string endpoint = "inproc://" + name;
  constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                          ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                          ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), kEvents) != 0) {
    return MakeError(ErrorCode::kInternal,
                     "cannot monitor the connection (" + std::string(zmq_strerror(zmq_errno())) +
                         ")");
  }
  try {
    zmq::socket_t events(context, zmq::socket_type::pair);
    events.set(zmq::sockopt::linger, 0);
    events.connect(endpoint);
    return HandshakeMonitor(std::move(events));
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kInternal, std::string("monitor: ") + e.what());
  }
}

namespace {

// ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL's value, in words an operator can act on.
std::string ProtocolError(std::uint32_t value) {
  switch (value) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
      return "a frame failed authentication: a wrong server key, or bytes damaged on the way";
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
      return "the other end does not speak CURVE";
    case ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE:
      return "the CURVE key exchange failed";
    default:
      return "ZMTP error 0x" + [value] {
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x", value);
        return std::string(hex);
      }() + ", a damaged connection or a peer that is not a Tocsin gateway";
  }
}

std::string Problem(std::uint16_t event, std::uint32_t value) {
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return "the server refused the handshake (ZAP status " + std::to_string(value) +
             "): this key is not admitted there, or too many handshakes";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      return "protocol error (" + ProtocolError(value) + ")";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      return "the handshake failed (errno " + std::to_string(value) + ")";
    default:
      return {};
  }
}

}  // namespace

HandshakeMonitor::Events HandshakeMonitor::Take() {
  Events out;
  for (;;) {
    zmq::message_t event;
    try {
      if (!events_.recv(event, zmq::recv_flags::dontwait)) {
        return out;
      }
      while (events_.get(zmq::sockopt::rcvmore)) {  // the endpoint frame
        zmq::message_t rest;
        (void)events_.recv(rest, zmq::recv_flags::dontwait);
      }
    } catch (const zmq::error_t&) {
      return out;
    }
    if (event.size() < 6) {
      continue;
    }
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event.data()) + sizeof id, sizeof value);
    if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      out.handshake_succeeded = true;
      out.last_problem.clear();
      established_ = true;
    } else if (id == ZMQ_EVENT_DISCONNECTED) {
      // libzmq 4.3 reports a ZAP refusal to the client as a bare disconnect.
      out.last_problem = established_
                             ? "disconnected"
                             : "the server closed the connection during the handshake: it does "
                               "not admit this key (not enrolled, revoked, not yet loaded by "
                               "the server, or too many handshakes), or it is not the server "
                               "whose key is pinned";
      established_ = false;
    } else {
      out.last_problem = Problem(id, value);
    }
  }
}

Result<WatchedClient> MakeWatchedCurveClient(zmq::context_t& context, const ClientConfig& config,
                                             ByteView public_key, ByteView secret_key,
                                             const std::string& monitor_name) {
  TOCSIN_ASSIGN_OR_RETURN(zmq::socket_t socket,
                          ConfigureCurveClient(context, config, public_key, secret_key));
  TOCSIN_ASSIGN_OR_RETURN(HandshakeMonitor monitor,
                          HandshakeMonitor::Watch(context, socket, monitor_name));
  TOCSIN_RETURN_IF_ERROR(ConnectCurveClient(socket, config));
  return WatchedClient{std::move(socket), std::move(monitor)};
}

}  // namespace tocsin::transport
