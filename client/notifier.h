// client/notifier.h -- runs the notify hook: the duty officer's pager.
//
// One run per stored directive until one succeeds (exit status 0): at most
// kMaxRunning at once, each in its own process group, killed with it after
// `timeout`; a failure is retried after 1 s, doubling up to 60 s, for as long
// as the daemon runs. Each outcome is one log line; the hook's output
// (stdout and stderr) is captured, at most 1 KiB, and shown escaped in that
// line, never copied raw into the daemon's log. The caller records a success
// in the inbox, so a daemon killed before that runs the hook again on start:
// notification is at least once. Timers on the steady clock. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"

namespace tocsin::client {

struct NotifyJob {
  Bytes id;                      // the directive
  std::vector<std::string> env;  // NAME=value, the hook's whole environment
};

class Notifier {
 public:
  static constexpr std::size_t kMaxRunning = 8;
  static constexpr std::size_t kMaxOutputBytes = 1024;

  Notifier(std::string command, SteadyMillis timeout)
      : command_(std::move(command)), timeout_(timeout) {}
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues `job` unless that directive is queued or running already.
  void Enqueue(NotifyJob job);
  // Starts what is due, reaps what ended and kills what overran. Returns the
  // ids whose hook succeeded in this call.
  std::vector<Bytes> Poll(SteadyMillis now);

  bool idle() const { return running_.empty() && waiting_.empty(); }
  std::uint64_t succeeded() const { return succeeded_; }
  std::uint64_t failed_runs() const { return failed_runs_; }

 private:
  struct Waiting {
    NotifyJob job;
    int attempts = 0;  // runs that failed
    SteadyMillis due = 0;
  };
  struct Running {
    Waiting waiting;
    pid_t pid = -1;
    int output_fd = -1;  // read end of the hook's stdout and stderr
    SteadyMillis started = 0;
    std::string output;
  };

  bool Start(Waiting waiting, SteadyMillis now);
  void Drain(Running& run);
  void Failed(Running run, const std::string& why, SteadyMillis now);

  std::string command_;
  SteadyMillis timeout_;
  std::deque<Waiting> waiting_;
  std::vector<Running> running_;
  std::set<Bytes> known_;  // queued or running
  std::uint64_t succeeded_ = 0;
  std::uint64_t failed_runs_ = 0;
};

}  // namespace tocsin::client
