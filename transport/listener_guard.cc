#include "transport/listener_guard.h"

#include <dirent.h>
#include <sys/socket.h>

#include <cstdlib>
#include <system_error>

#include "common/log.h"
#include "transport/connection_events.h"

namespace tocsin::transport {

ConnectionDeadline::ConnectionDeadline(std::string name, int port, SteadyMillis deadline_ms)
    : name_(std::move(name)), port_(port), deadline_ms_(deadline_ms),
      watchdog_([this] { Watch(); }) {}

ConnectionDeadline::~ConnectionDeadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
}

void ConnectionDeadline::NoteAccepted() {
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) {
    return;
  }
  SteadyMillis now = SteadyNowMillis();
  std::lock_guard<std::mutex> lock(mutex_);
  while (dirent* entry = ::readdir(fds)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') {
      continue;
    }
    std::string peer = transport::PeerOfConnectionTo(static_cast<int>(fd), port_);
    if (peer.empty()) {
      continue;
    }
    auto [it, added] = tracked_.try_emplace(static_cast<int>(fd), Tracked{peer, now});
    if (!added && it->second.peer != peer) {
      it->second = {peer, now};  // the number now belongs to a new connection
    }
  }
  ::closedir(fds);
}

std::uint64_t ConnectionDeadline::cut() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cut_;
}

void ConnectionDeadline::Watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    SteadyMillis now = SteadyNowMillis();
    std::size_t cut_now = 0;
    for (auto it = tracked_.begin(); it != tracked_.end();) {
      if (transport::PeerOfConnectionTo(it->first, port_) != it->second.peer) {
        it = tracked_.erase(it);  // served and closed (or the number reused)
        continue;
      }
      if (now - it->second.accepted_at >= deadline_ms_) {
        ::shutdown(it->first, SHUT_RDWR);  // its thread ends at its next read
        ++cut_now;
        it = tracked_.erase(it);
        continue;
      }
      ++it;
    }
    if (cut_now > 0) {
      cut_ += cut_now;
      spdlog::warn("{}: cut {} connection(s) still open after {} ms ({} so far)", name_,
                   cut_now, deadline_ms_, cut_);
    }
  }
}

void ConnectionThreads::enqueue(std::function<void()> fn) {
  deadline_.NoteAccepted();
  std::lock_guard<std::mutex> lock(mutex_);
  if (running_ < max_threads_) {
    Spawn(std::move(fn));
  } else {
    waiting_.push_back(std::move(fn));
  }
}

void ConnectionThreads::shutdown() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return running_ == 0 && waiting_.empty(); });
}

void ConnectionThreads::Spawn(std::function<void()> fn) {
  ++running_;
  try {
    std::thread([this, fn = std::move(fn)]() mutable {
      for (;;) {
        fn();
        std::lock_guard<std::mutex> lock(mutex_);
        if (waiting_.empty()) {
          --running_;
          idle_.notify_all();
          return;
        }
        fn = std::move(waiting_.front());
        waiting_.pop_front();
      }
    }).detach();
  } catch (const std::system_error& e) {
    --running_;  // no thread to be had: it waits for a running one
    spdlog::error("{}: cannot start a thread ({})", deadline_.name(), e.what());
    waiting_.push_back(std::move(fn));
  }
}

}  // namespace tocsin::transport
