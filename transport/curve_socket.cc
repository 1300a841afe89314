#include "transport/curve_socket.h"

#include <zmq.h>

#include <vector>

#include <zmq_addon.hpp>

#include "transport/zmq_support.h"

namespace tocsin::transport {
namespace {

constexpr int kZapEnforceDomain = 93;  // ZMQ_ZAP_ENFORCE_DOMAIN, a draft option in 4.3

void ApplyLimits(zmq::socket_t& socket, const SocketLimits& limits) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, limits.max_message_bytes);
  socket.set(zmq::sockopt::handshake_ivl, limits.handshake_ms);
  if (limits.heartbeat_interval_ms > 0) {
    socket.set(zmq::sockopt::heartbeat_ivl, limits.heartbeat_interval_ms);
    socket.set(zmq::sockopt::heartbeat_timeout, limits.heartbeat_timeout_ms);
    // No ZMQ_HEARTBEAT_TTL: a TTL in our PINGs makes the peer re-arm a timer
    // per PING, and libzmq 4.3.4 finds timers by a linear search, so a
    // gateway with 5,000 agencies spent its I/O thread there (bench/README.md).
  }
  socket.set(zmq::sockopt::sndhwm, limits.high_water_mark);
  socket.set(zmq::sockopt::rcvhwm, limits.high_water_mark);
}

Bytes FrameBytes(const zmq::message_t& frame) {
  const auto* data = static_cast<const std::uint8_t*>(frame.data());
  return Bytes(data, data + frame.size());
}

}  // namespace

Result<zmq::socket_t> MakeCurveServer(zmq::context_t& context, const ServerConfig& config,
                                      ByteView secret_key) {
  TOCSIN_RETURN_IF_ERROR(ValidateEndpoint(config.endpoint, /*for_bind=*/true));
  if (secret_key.size() != 32 || config.zap_domain.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a CURVE server needs a key and a ZAP domain");
  }
  try {
    zmq::socket_t socket(context, zmq::socket_type::router);
    ApplyLimits(socket, config.limits);
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret_key.data(), 32));
    socket.set(zmq::sockopt::zap_domain, config.zap_domain);
    int enforce = 1;
    if (zmq_setsockopt(socket.handle(), kZapEnforceDomain, &enforce, sizeof(enforce)) != 0) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot set ZMQ_ZAP_ENFORCE_DOMAIN; refusing to start without it");
    }
    socket.set(zmq::sockopt::router_mandatory, true);
    socket.set(zmq::sockopt::backlog, config.backlog);
    TOCSIN_RETURN_IF_ERROR(Bind(socket, config.endpoint));
    return socket;
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot configure CURVE server " + config.endpoint + ": " + e.what());
  }
}

Result<zmq::socket_t> ConfigureCurveClient(zmq::context_t& context, const ClientConfig& config,
                                           ByteView public_key, ByteView secret_key) {
  TOCSIN_RETURN_IF_ERROR(ValidateEndpoint(config.endpoint, /*for_bind=*/false));
  if (public_key.size() != 32 || secret_key.size() != 32 ||
      config.server_public_key.size() != 32) {
    return MakeError(ErrorCode::kInvalidArgument, "CURVE keys are 32 bytes");
  }
  try {
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    ApplyLimits(socket, config.limits);
    socket.set(zmq::sockopt::curve_serverkey,
               zmq::const_buffer(config.server_public_key.data(), 32));
    socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(public_key.data(), 32));
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret_key.data(), 32));
    socket.set(zmq::sockopt::reconnect_ivl, config.reconnect_ms);
    socket.set(zmq::sockopt::reconnect_ivl_max, config.reconnect_max_ms);
    if (SplitEndpoints(config.endpoint).size() > 1) {
      // Queue only to a process that completed its handshake: the one that
      // serves, not a standby's (or a dead writer's) address.
      socket.set(zmq::sockopt::immediate, 1);
    }
    return socket;
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot configure CURVE client " + config.endpoint + ": " + e.what());
  }
}

Status ConnectCurveClient(zmq::socket_t& socket, const ClientConfig& config) {
  for (const std::string& endpoint : SplitEndpoints(config.endpoint)) {
    TOCSIN_RETURN_IF_ERROR(Connect(socket, endpoint));
  }
  return {};
}

Result<zmq::socket_t> MakeCurveClient(zmq::context_t& context, const ClientConfig& config,
                                      ByteView public_key, ByteView secret_key) {
  TOCSIN_ASSIGN_OR_RETURN(zmq::socket_t socket,
                          ConfigureCurveClient(context, config, public_key, secret_key));
  TOCSIN_RETURN_IF_ERROR(ConnectCurveClient(socket, config));
  return socket;
}

Result<std::optional<PeerMessage>> ReceiveFromPeer(zmq::socket_t& router) {
  std::vector<zmq::message_t> frames;
  try {
    if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      return std::optional<PeerMessage>();
    }
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, std::string("receive: ") + e.what());
  }
  const char* user_id = frames.size() >= 2 ? frames.back().gets("User-Id") : nullptr;
  std::string principal = user_id != nullptr ? user_id : "";
  if (principal.empty()) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "message of " + std::to_string(frames.size()) + " frame(s) with no User-Id dropped");
  }
  PeerMessage message{FrameBytes(frames[0]), std::move(principal), {},
                      zmq_msg_get(frames.back().handle(), ZMQ_SRCFD), {}};
  if (frames.size() != 2) {
    message.shape_error = "message of " + std::to_string(frames.size()) +
                          " frame(s) dropped: expected exactly one payload frame";
  } else {
    message.payload = FrameBytes(frames[1]);
  }
  return std::optional<PeerMessage>(std::move(message));
}

Status SendToPeer(zmq::socket_t& router, ByteView routing_id, ByteView payload) {
  std::array<zmq::const_buffer, 2> frames = {zmq::const_buffer(routing_id.data(), routing_id.size()),
                                             zmq::const_buffer(payload.data(), payload.size())};
  try {
    if (!zmq::send_multipart(router, frames, zmq::send_flags::dontwait)) {
      return MakeError(ErrorCode::kUnavailable, "peer queue full");
    }
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, std::string("peer unreachable: ") + e.what());
  }
  return {};
}

Result<std::optional<Bytes>> ReceiveFromServer(zmq::socket_t& dealer) {
  std::vector<zmq::message_t> frames;
  try {
    if (!zmq::recv_multipart(dealer, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      return std::optional<Bytes>();
    }
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, std::string("receive: ") + e.what());
  }
  if (frames.size() != 1) {
    return MakeError(ErrorCode::kMalformedMessage, "server message with " +
                                                       std::to_string(frames.size()) + " frames");
  }
  return std::optional<Bytes>(FrameBytes(frames[0]));
}

Status SendToServer(zmq::socket_t& dealer, ByteView payload) {
  try {
    if (!dealer.send(zmq::const_buffer(payload.data(), payload.size()), zmq::send_flags::dontwait)) {
      return MakeError(ErrorCode::kUnavailable, "not connected to the gateway (queue full)");
    }
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, std::string("send: ") + e.what());
  }
  return {};
}

}  // namespace tocsin::transport
