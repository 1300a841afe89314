// transport/handshake_monitor.h -- tells a client what became of its
// connection to its server: a CURVE handshake that has just succeeded (a
// first connection, or a reconnection to a restarted server), so that it can
// introduce itself at once; and why one failed or the link dropped, so that
// it can say so and rebuild the socket.
#pragma once

#include <string>

#include <zmq.hpp>

#include "common/bytes.h"
#include "common/result.h"
#include "transport/curve_socket.h"

namespace tocsin::transport {

class HandshakeMonitor {
 public:
  // Watches `socket` through an inproc PAIR named `name` (unique within
  // `context`). The monitor must not outlive the socket or the context.
  static Result<HandshakeMonitor> Watch(zmq::context_t& context, zmq::socket_t& socket,
                                        const std::string& name);

  struct Events {
    bool handshake_succeeded = false;
    std::string last_problem;  // empty, or why a handshake failed / the link dropped
  };
  // Consumes every pending event. Never blocks.
  Events Take();
  // Take().handshake_succeeded.
  bool HandshakeSucceeded() { return Take().handshake_succeeded; }

  void* handle() { return events_.handle(); }

 private:
  explicit HandshakeMonitor(zmq::socket_t events) : events_(std::move(events)) {}
  zmq::socket_t events_;
  bool established_ = false;  // a handshake succeeded since the last disconnect
};

// A CURVE client socket and the monitor that has watched it since before it
// dialled: a monitor attached after connect can miss the first handshake
// (libzmq drops events while no monitor, or no reader, is attached).
struct WatchedClient {
  zmq::socket_t socket;
  HandshakeMonitor monitor;
};
Result<WatchedClient> MakeWatchedCurveClient(zmq::context_t& context, const ClientConfig& config,
                                             ByteView public_key, ByteView secret_key,
                                             const std::string& monitor_name);

}  // namespace tocsin::transport
