// transport/listener_guard.h -- what keeps slow local clients from holding
// a loopback HTTP listener: the SMS bridge's Kannel callbacks (SECURITY.md 41)
// and every daemon's metrics endpoint.
//
// cpp-httplib 0.11.4 times out each read, not a whole request: a client that
// sends one byte a second would hold a worker for hours. Two parts:
//
// - ConnectionThreads, the listener's task queue: one thread per connection,
//   up to a cap; beyond it, connections wait their turn in accept order.
// - ConnectionDeadline: every connection to the listener's port gets a total
//   deadline from its accept; a watchdog thread shuts down (never closes) a
//   connection still open past it, so its thread ends at its next read.
//   httplib does not hand the accepted descriptor to us, so the deadline
//   learns new connections from the process's descriptor table right after
//   each accept, and recognises a connection by its descriptor, local port
//   and peer address together (a reused number is a new connection).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <httplib.h>

#include "common/clock.h"

namespace tocsin::transport {

class ConnectionDeadline {
 public:
  // `name` names the listener in log lines ("metrics endpoint").
  ConnectionDeadline(std::string name, int port, SteadyMillis deadline_ms);
  ~ConnectionDeadline();
  ConnectionDeadline(const ConnectionDeadline&) = delete;
  ConnectionDeadline& operator=(const ConnectionDeadline&) = delete;

  // Finds the connections to our port accepted since the last call. Called on
  // the accept thread, right after each accept.
  void NoteAccepted();

  std::uint64_t cut() const;
  const std::string& name() const { return name_; }

 private:
  struct Tracked {
    std::string peer;
    SteadyMillis accepted_at = 0;
  };
  void Watch();

  std::string name_;
  int port_;
  SteadyMillis deadline_ms_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int, Tracked> tracked_;  // guarded by mutex_
  std::uint64_t cut_ = 0;           // guarded by mutex_
  bool stopping_ = false;           // guarded by mutex_
  std::thread watchdog_;
};

class ConnectionThreads final : public httplib::TaskQueue {
 public:
  ConnectionThreads(std::size_t max_threads, ConnectionDeadline& deadline)
      : max_threads_(max_threads), deadline_(deadline) {}
  ~ConnectionThreads() override { shutdown(); }

  void enqueue(std::function<void()> fn) override;
  // Waits until every connection accepted so far has been served (each ends
  // by its deadline at the latest).
  void shutdown() override;

 private:
  void Spawn(std::function<void()> fn);  // mutex_ held

  std::size_t max_threads_;
  ConnectionDeadline& deadline_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t running_ = 0;                    // guarded by mutex_
  std::deque<std::function<void()>> waiting_;  // guarded by mutex_
};

}  // namespace tocsin::transport
