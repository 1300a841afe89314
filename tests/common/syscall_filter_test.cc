// The seccomp allow-list (SECURITY.md 34), each case in a child process:
// what a serving daemon does passes; each forbidden call kills the child
// with SIGSYS, also from a thread that existed before the filter (TSYNC).
// Exits 77 (a visible skip) in a sanitizer build, which installs no filter.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/syscall_filter.h"

namespace {

// Runs `body` in a child under the filter; returns the child's wait status.
int InChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDOUT_FILENO);  // the filter's own log line
    if (!tocsin::LockDownSyscalls()) {
      ::_exit(90);
    }
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

bool KilledBySigsys(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }

int Serve() {
  // Files, a TCP socket, a thread, time: what every daemon does once started.
  char path[] = "/tmp/tocsin-seccomp-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0 || ::write(fd, "x", 1) != 1 || ::fsync(fd) != 0) {
    return 1;
  }
  ::close(fd);
  ::unlink(path);
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    return 2;
  }
  ::close(s);
  std::atomic<int> ran{0};
  std::thread([&ran] { ran = 1; }).join();
  return ran == 1 ? 0 : 3;
}

}  // namespace

int main() {
  if (tocsin::SyscallFilterDisabledInThisBuild()) {
    std::puts("SKIP: no seccomp filter in a sanitizer build");
    return 77;
  }
  struct Case {
    const char* name;
    std::function<int()> body;
    bool allowed;
  };
  std::vector<Case> cases = {
      {"serving (files, sockets, threads)", Serve, true},
      {"execve", [] { char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
                      return ::execv("/bin/true", argv); }, false},
      {"ptrace", [] { return static_cast<int>(::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr)); }, false},
      {"a raw IP socket", [] { return ::socket(AF_INET, SOCK_RAW, 1); }, false},
      {"a packet socket", [] { return ::socket(AF_PACKET, SOCK_RAW, 0); }, false},
      {"fork (a process, not a thread)", [] { return static_cast<int>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)); }, false},
      {"a writable and executable mapping (EPERM, as MemoryDenyWriteExecute)", [] {
         void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
         return p == MAP_FAILED && errno == EPERM ? 0 : 1; }, true},
      {"making memory executable (EPERM)", [] {
         void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
         return p != MAP_FAILED && ::mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0 && errno == EPERM ? 0 : 1; }, true},
      {"an SCTP socket", [] { return ::socket(AF_INET, SOCK_STREAM, 132 /* IPPROTO_SCTP */); }, false},
      {"a socketpair of another family", [] { int fds[2]; return ::socketpair(AF_TIPC, SOCK_STREAM, 0, fds); }, false},
      {"setuid", [] { return static_cast<int>(::syscall(SYS_setuid, 0)); }, false},
      {"kill another process", [] { return ::kill(1, 0); }, false},
      {"a thread started before the filter calls execve", nullptr, false},
  };
  int failures = 0;
  for (const Case& c : cases) {
    int status;
    if (std::string(c.name).rfind("a thread started before", 0) == 0) {
      // The thread must exist before LockDownSyscalls: start it, then lock.
      std::fflush(nullptr);
      pid_t child = ::fork();
      if (child == 0) {
        std::atomic<bool> go{false};
        std::thread early([&go] {
          while (!go) {
            ::usleep(1000);
          }
          char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
          ::execv("/bin/true", argv);
          ::_exit(0);  // execve refused without killing: the filter missed this thread
        });
        int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, STDOUT_FILENO);
        if (!tocsin::LockDownSyscalls()) {
          ::_exit(90);
        }
        go = true;
        early.join();
        ::_exit(0);
      }
      ::waitpid(child, &status, 0);
    } else {
      status = InChild(c.body);
    }
    bool ok = c.allowed ? WIFEXITED(status) && WEXITSTATUS(status) == 0 : KilledBySigsys(status);
    std::printf("%s %s: %s\n", ok ? "ok  " : "FAIL", c.name,
                WIFSIGNALED(status) ? ("killed by signal " + std::to_string(WTERMSIG(status))).c_str()
                                    : ("exit " + std::to_string(WEXITSTATUS(status))).c_str());
    failures += ok ? 0 : 1;
  }
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
