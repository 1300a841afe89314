// transport/curve_socket.h -- CURVE sockets configured the one safe way, and
// moving whole messages. Frames are moved, never parsed.
//
// Servers are ROUTER sockets: CURVE server, ZAP domain set and enforced (a
// dead ZAP handler then refuses everyone), ROUTER_MANDATORY, bounded message
// size, HWMs and handshake time, ZMTP heartbeats, linger 0. Clients are DEALER
// sockets that pin the server's public key (SECURITY.md, items 1 to 8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin::transport {

struct SocketLimits {
  // protocol::kMaxEnvelopeBytes (2 MiB + 1 KiB) plus CURVE's framing.
  std::int64_t max_message_bytes = (2 << 20) + 8192;
  int handshake_ms = 3000;
  // ZMTP PING from a client, and how long a silent link lasts before it is
  // dropped and redialled. The gateway answers every PING: at 5,000
  // agencies a 500 ms interval cost it a fifth of a core at rest
  // (bench/README.md). A frozen gateway is noticed sooner, by its missing
  // signed heartbeats (the client's freeze alarm).
  int heartbeat_interval_ms = 2000;
  int heartbeat_timeout_ms = 6000;
  int high_water_mark = 10000;
};

struct ServerConfig {
  std::string endpoint;   // tcp://ADDRESS:PORT (explicit address; port may be *)
  std::string zap_domain; // passed to the ZAP handler: which roles may connect
  SocketLimits limits;
  int backlog = 4096;
};

// Creates and binds a CURVE ROUTER. `secret_key` is the server's 32-byte
// transport key; libzmq copies it, and the caller wipes its own.
Result<zmq::socket_t> MakeCurveServer(zmq::context_t& context, const ServerConfig& config,
                                      ByteView secret_key);

struct ClientConfig {
  std::string endpoint;  // or a list of one gateway's processes (ValidateEndpoint)
  Bytes server_public_key;  // pinned, 32 bytes
  SocketLimits limits;
  int reconnect_ms = 100;
  int reconnect_max_ms = 3000;
};

// Creates a CURVE DEALER with the client's key pair, not yet connected.
// Whatever must watch the socket from its first handshake (a
// HandshakeMonitor) is attached before ConnectCurveClient dials.
Result<zmq::socket_t> ConfigureCurveClient(zmq::context_t& context, const ClientConfig& config,
                                           ByteView public_key, ByteView secret_key);
Status ConnectCurveClient(zmq::socket_t& socket, const ClientConfig& config);

// ConfigureCurveClient then ConnectCurveClient.
Result<zmq::socket_t> MakeCurveClient(zmq::context_t& context, const ClientConfig& config,
                                      ByteView public_key, ByteView secret_key);

// A message received on a server socket. `principal` is the ZAP User-Id, the
// only identity the gateway trusts; `routing_id` stays inside the process.
struct PeerMessage {
  Bytes routing_id;
  std::string principal;
  Bytes payload;
  int connection = -1;       // the descriptor it came on (ConnectionEvents), -1 if unknown
  std::string shape_error;   // non-empty: not [routing id, payload]; payload left empty
};

// Receives one message without blocking; nullopt when none is waiting.
// A message of any shape other than [routing id, payload] is drained and
// returned with `shape_error` set and no payload; kMalformedMessage only when
// not even its principal is known.
Result<std::optional<PeerMessage>> ReceiveFromPeer(zmq::socket_t& router);

// Sends `payload` to the peer behind `routing_id`. kUnavailable when that
// peer is gone (ROUTER_MANDATORY) or its queue is full.
Status SendToPeer(zmq::socket_t& router, ByteView routing_id, ByteView payload);

// DEALER side: one frame each way.
Result<std::optional<Bytes>> ReceiveFromServer(zmq::socket_t& dealer);
Status SendToServer(zmq::socket_t& dealer, ByteView payload);

}  // namespace tocsin::transport
