// transport/handshake_monitor.h -- tells a client when a CURVE handshake with
// its server has just succeeded (a first connection, or a reconnection to a
// restarted server), so that it can introduce itself at once.
#pragma once

#include <string>

#include <zmq.hpp>

#include "common/result.h"

namespace tocsin::transport {

class HandshakeMonitor {
 public:
  // Watches `socket` through an inproc PAIR named `name` (unique within
  // `context`). The monitor must not outlive the socket or the context.
  static Result<HandshakeMonitor> Watch(zmq::context_t& context, zmq::socket_t& socket,
                                        const std::string& name);

  // Consumes every pending event; true if at least one handshake succeeded.
  // Never blocks.
  bool HandshakeSucceeded();

  void* handle() { return events_.handle(); }

 private:
  explicit HandshakeMonitor(zmq::socket_t events) : events_(std::move(events)) {}
  zmq::socket_t events_;
};

}  // namespace tocsin::transport
