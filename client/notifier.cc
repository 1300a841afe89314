#include "client/notifier.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace tocsin::client {
namespace {

constexpr SteadyMillis kFirstRetryMs = 1000;
constexpr SteadyMillis kMaxRetryMs = 60000;

SteadyMillis RetryDelay(int failures) {
  SteadyMillis delay = kFirstRetryMs;
  for (int i = 1; i < failures && delay < kMaxRetryMs; ++i) {
    delay *= 2;
  }
  return std::min(delay, kMaxRetryMs);
}

std::string Describe(int status) {
  if (WIFEXITED(status)) {
    return "exit status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "ended abnormally";
}

// The output as one escaped line, for a log line.
std::string Shown(const std::string& output) {
  std::string trimmed = output;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) {
    trimmed.pop_back();
  }
  return trimmed.empty() ? "none" : "\"" + EscapeForDisplay(trimmed) + "\"";
}

}  // namespace

Notifier::~Notifier() {
  // Hooks still running are left to finish (a page half sent should go
  // out); their directives were not marked notified, so the next start runs
  // them again.
  for (Running& run : running_) {
    ::close(run.output_fd);
  }
}

void Notifier::Enqueue(NotifyJob job) {
  if (!known_.insert(job.id).second) {
    return;
  }
  waiting_.push_back({std::move(job), 0, 0});
}

bool Notifier::Start(Waiting waiting, SteadyMillis now) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    Running failed{std::move(waiting), -1, -1, now, {}};
    Failed(std::move(failed), std::string("cannot make a pipe: ") + std::strerror(errno), now);
    return false;
  }
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // its own group: killed whole
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<std::string> env = waiting.job.env;
  env.push_back("TOCSIN_ATTEMPT=" + std::to_string(waiting.attempts + 1));
  std::vector<char*> envp;
  for (std::string& item : env) {
    envp.push_back(item.data());
  }
  envp.push_back(nullptr);
  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string command = command_;
  char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};
  pid_t pid = -1;
  int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    Running failed{std::move(waiting), -1, -1, now, {}};
    Failed(std::move(failed), std::string("cannot start /bin/sh: ") + std::strerror(spawned), now);
    return false;
  }
  running_.push_back({std::move(waiting), pid, pipe_fds[0], now, {}});
  return true;
}

void Notifier::Drain(Running& run) {
  char buffer[512];
  for (;;) {
    ssize_t n = ::read(run.output_fd, buffer, sizeof buffer);
    if (n <= 0) {
      return;  // nothing more now (EAGAIN), or the hook closed its end
    }
    std::size_t room = kMaxOutputBytes - std::min(kMaxOutputBytes, run.output.size());
    run.output.append(buffer, std::min(room, static_cast<std::size_t>(n)));
  }
}

void Notifier::Failed(Running run, const std::string& why, SteadyMillis now) {
  ++failed_runs_;
  Waiting again = std::move(run.waiting);
  ++again.attempts;
  again.due = now + RetryDelay(again.attempts);
  auto level = again.attempts >= 3 ? spdlog::level::err : spdlog::level::warn;
  spdlog::log(level, "notify hook for {} failed (attempt {}): {}; output: {}; retrying in {} s",
              HexEncode(again.job.id), again.attempts, why, Shown(run.output),
              (again.due - now) / 1000);
  waiting_.push_back(std::move(again));
}

std::vector<Bytes> Notifier::Poll(SteadyMillis now) {
  std::vector<Bytes> done;
  for (std::size_t i = 0; i < running_.size();) {
    Running& run = running_[i];
    Drain(run);
    int status = 0;
    pid_t ended = ::waitpid(run.pid, &status, WNOHANG);
    bool overran = ended == 0 && now - run.started > timeout_;
    if (ended == 0 && !overran) {
      ++i;
      continue;
    }
    if (overran) {
      ::kill(-run.pid, SIGKILL);
      ::waitpid(run.pid, &status, 0);
    }
    Drain(run);
    ::close(run.output_fd);
    Running finished = std::move(run);
    running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
    if (!overran && ended == finished.pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++succeeded_;
      LogEvent(spdlog::level::info, "duty_officer_notified",
               {{"directive", HexEncode(finished.waiting.job.id)},
                {"attempt", finished.waiting.attempts + 1}},
               fmt::format("notified the duty officer of {} (attempt {}, {} ms)",
                           HexEncode(finished.waiting.job.id), finished.waiting.attempts + 1,
                           now - finished.started));
      known_.erase(finished.waiting.job.id);
      done.push_back(std::move(finished.waiting.job.id));
      continue;
    }
    std::string why = overran ? "timed out after " + std::to_string(timeout_) + " ms"
                      : ended == finished.pid ? Describe(status)
                                              : std::string("lost track of the process");
    Failed(std::move(finished), why, now);
  }
  // Start what is due, oldest first, up to the cap.
  std::size_t looked = waiting_.size();
  for (std::size_t n = 0; n < looked && running_.size() < kMaxRunning; ++n) {
    Waiting next = std::move(waiting_.front());
    waiting_.pop_front();
    if (next.due > now) {
      waiting_.push_back(std::move(next));
      continue;
    }
    Start(std::move(next), now);
  }
  return done;
}

}  // namespace tocsin::client
