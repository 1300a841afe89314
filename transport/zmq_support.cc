#include "transport/zmq_support.h"

#include <zmq.h>

namespace tocsin::transport {

Status CheckZmqCapabilities() {
  int major = 0;
  int minor = 0;
  int patch = 0;
  zmq_version(&major, &minor, &patch);
  if (major * 10000 + minor * 100 + patch < 40303) {
    return MakeError(ErrorCode::kUnavailable,
                     "libzmq " + std::to_string(major) + "." + std::to_string(minor) + "." +
                         std::to_string(patch) + " is older than 4.3.3; refusing to start");
  }
  if (zmq_has("curve") == 0) {
    return MakeError(ErrorCode::kUnavailable, "libzmq was built without CURVE; refusing to start");
  }
  return {};
}

Result<std::string> Z85Encode(ByteView key32) {
  if (key32.size() != 32) {
    return MakeError(ErrorCode::kInvalidArgument, "a CURVE key is 32 bytes");
  }
  char text[41];
  if (zmq_z85_encode(text, key32.data(), key32.size()) == nullptr) {
    return MakeError(ErrorCode::kInternal, "zmq_z85_encode failed");
  }
  return std::string(text, 40);
}

Result<Bytes> Z85Decode(std::string_view text) {
  if (text.size() != 40) {
    return MakeError(ErrorCode::kInvalidArgument, "a Z85 CURVE key is 40 characters");
  }
  std::string terminated(text);
  Bytes key(32);
  if (zmq_z85_decode(key.data(), terminated.c_str()) == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "not a Z85 key");
  }
  return key;
}

Status ValidateEndpoint(const std::string& endpoint, bool for_bind) {
  const std::string prefix = "tcp://";
  auto invalid = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, "endpoint '" + endpoint + "': " + why);
  };
  if (endpoint.rfind(prefix, 0) != 0) {
    return invalid("only tcp:// endpoints are allowed (CURVE on every endpoint)");
  }
  std::string rest = endpoint.substr(prefix.size());
  std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    return invalid("expected tcp://HOST:PORT");
  }
  std::string host = rest.substr(0, colon);
  if (for_bind && (host == "*" || host == "0.0.0.0" || host == "[::]")) {
    return invalid("bind an explicit interface address, not a wildcard");
  }
  return {};
}

Status Bind(zmq::socket_t& socket, const std::string& endpoint) {
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, "bind " + endpoint + ": " + e.what());
  }
  return {};
}

Status Connect(zmq::socket_t& socket, const std::string& endpoint) {
  try {
    socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kUnavailable, "connect " + endpoint + ": " + e.what());
  }
  return {};
}

std::string LastEndpoint(zmq::socket_t& socket) {
  return socket.get(zmq::sockopt::last_endpoint);
}

}  // namespace tocsin::transport
