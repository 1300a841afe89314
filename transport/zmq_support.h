// transport/zmq_support.h -- ZeroMQ start-up checks, key encoding, and the
// one function per cppzmq call that turns its exceptions into Results.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin::transport {

// Fails unless libzmq is at least 4.3.3 and has CURVE (SECURITY.md, item 9).
Status CheckZmqCapabilities();

// Z85 text of a 32-byte CURVE key (40 characters), and back.
Result<std::string> Z85Encode(ByteView key32);
Result<Bytes> Z85Decode(std::string_view text);

// Accepts only "tcp://HOST:PORT" with an explicit IPv4/IPv6 address or host
// name (no wildcard, no interface name), as SECURITY.md item 1 asks.
//
// A client's endpoint may list the processes of one gateway, separated by
// commas ("tcp://a:7701,tcp://b:7701", at most kMaxGatewayEndpoints): the
// client dials them all and talks to whichever completed its handshake, the
// one that serves (a standby binds nothing: docs/ha.md).
Status ValidateEndpoint(const std::string& endpoint, bool for_bind);

inline constexpr std::size_t kMaxGatewayEndpoints = 8;

// The endpoints of a list, in order (one for a single endpoint).
std::vector<std::string> SplitEndpoints(const std::string& list);

Status Bind(zmq::socket_t& socket, const std::string& endpoint);
Status Connect(zmq::socket_t& socket, const std::string& endpoint);

// The endpoint a socket actually bound (after "tcp://127.0.0.1:*").
std::string LastEndpoint(zmq::socket_t& socket);

}  // namespace tocsin::transport
