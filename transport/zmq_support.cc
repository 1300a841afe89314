#include "transport/zmq_support.h"

#include <zmq.h>

#include <algorithm>

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

std::vector<std::string> SplitEndpoints(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) {
      return out;
    }
    start = comma + 1;
  }
}

Status ValidateEndpoint(const std::string& endpoint, bool for_bind) {
  if (endpoint.find(',') != std::string::npos) {
    if (for_bind) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "endpoint '" + endpoint + "': a gateway binds one address per endpoint");
    }
    std::vector<std::string> parts = SplitEndpoints(endpoint);
    if (parts.size() > kMaxGatewayEndpoints) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "endpoint list '" + endpoint + "': at most " +
                           std::to_string(kMaxGatewayEndpoints) + " endpoints");
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      TOCSIN_RETURN_IF_ERROR(ValidateEndpoint(parts[i], false));
      if (std::find(parts.begin(), parts.begin() + static_cast<long>(i), parts[i]) !=
          parts.begin() + static_cast<long>(i)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "endpoint list '" + endpoint + "': " + parts[i] + " twice");
      }
    }
    return {};
  }
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
