#include "common/syscall_filter.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/sockios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/log.h"

namespace tocsin {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// What a serving gateway or bridge calls once started (glibc, libstdc++,
// libzmq, SQLite, OpenSSL, libsodium, spdlog, libcurl and its
// resolver), as strace showed over the integration suites; the rest by
// argument below.
constexpr const char* kServing[] = {
    // descriptors and files
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "close",
    "fstat", "newfstatat", "stat", "lstat", "statx", "statfs", "fstatfs", "lseek", "openat", "open", "fcntl",
    "dup", "dup2", "dup3", "pipe2", "getdents64", "readlink", "readlinkat", "access",
    "faccessat", "faccessat2", "unlink", "unlinkat", "rename", "renameat", "renameat2",
    "fsync", "fdatasync", "ftruncate", "fallocate", "fchmod", "fchown", "flock", "mkdir", "mkdirat",
    "getcwd", "umask", "fadvise64", "sendfile",
    // memory
    "munmap", "mremap", "madvise", "brk", "mlock", "munlock", "mincore",
    "membarrier",
    // threads and waiting
    "futex", "set_robust_list", "get_robust_list", "rseq",
    "set_tid_address", "sched_yield", "sched_getaffinity", "sched_getscheduler",
    "sched_getparam", "sched_setscheduler" /* libzmq's new threads; no realtime without CAP_SYS_NICE */, "nanosleep", "clock_nanosleep",
    "restart_syscall", "exit", "exit_group",
    // time and identity
    "clock_gettime", "clock_getres", "gettimeofday", "time", "getpid", "gettid", "getppid",
    "getuid", "geteuid", "getgid", "getegid", "getgroups", "uname", "sysinfo", "getrusage",
    "getrlimit", "prlimit64", "getrandom", "getpriority",
    // signals, to itself only (kill and tgkill are checked below)
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
    // polling and events (libzmq, the loopback HTTP server)
    "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "timerfd_create",
    "timerfd_settime",
    // sockets (the families are checked below)
    "connect", "accept", "accept4", "bind", "listen", "getsockname",
    "getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
    "sendmmsg", "recvmmsg", "shutdown",
};

// SIGSYS: says which call was refused, then dies of SIGSYS (no core: the
// daemons disable them). Only async-signal-safe calls.
void OnForbiddenSyscall(int, siginfo_t* info, void*) {
  // No allocation here: the number is written by hand.
  char line[128] = "seccomp: forbidden system call ";
  std::size_t length = std::strlen(line);
  char digits[12];
  std::size_t count = 0;
  unsigned number = static_cast<unsigned>(info->si_syscall);
  do {
    digits[count++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number > 0 && count < sizeof digits);
  while (count > 0) {
    line[length++] = digits[--count];
  }
  const char suffix[] = " ('ausyscall NUMBER' names it); stopping\n";
  std::memcpy(line + length, suffix, sizeof suffix - 1);
  length += sizeof suffix - 1;
  (void)!::write(STDERR_FILENO, line, length);
  ::signal(SIGSYS, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSYS);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(SIGSYS);
  ::_exit(128 + SIGSYS);
}

// One argument comparison, built field by field: libseccomp's SCMP_A*
// macros are C compound literals, which C++ compilers flag.
scmp_arg_cmp Arg(unsigned int index, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  scmp_arg_cmp compare{};
  compare.arg = index;
  compare.op = op;
  compare.datum_a = a;
  compare.datum_b = b;
  return compare;
}

struct FilterFree {
  void operator()(scmp_filter_ctx filter) const { seccomp_release(filter); }
};

Status Failed(const std::string& what, int rc) {
  return MakeError(ErrorCode::kInternal,
                   "seccomp: " + what + ": " + std::strerror(-rc) +
                       " (the kernel must support seccomp filters with TSYNC)");
}

Status Allow(scmp_filter_ctx filter, const char* name) {
  int number = seccomp_syscall_resolve_name(name);
  if (number == __NR_SCMP_ERROR) {
    return {};  // not a call on this architecture
  }
  int rc = seccomp_rule_add(filter, SCMP_ACT_ALLOW, number, 0);
  return rc == 0 ? Status{} : Failed(std::string("allowing ") + name, rc);
}

}  // namespace

bool SyscallFilterDisabledInThisBuild() { return kSanitized; }

Status LockDownSyscalls() {
  if (kSanitized) {
    spdlog::warn("seccomp: no system-call filter in a sanitizer build (LeakSanitizer needs ptrace)");
    return {};
  }
  struct sigaction action {};
  action.sa_sigaction = OnForbiddenSyscall;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  if (::sigaction(SIGSYS, &action, nullptr) != 0) {
    return MakeError(ErrorCode::kInternal, "seccomp: cannot handle SIGSYS");
  }
  std::unique_ptr<void, FilterFree> filter(seccomp_init(SCMP_ACT_TRAP));
  if (!filter) {
    return MakeError(ErrorCode::kInternal, "seccomp: seccomp_init failed");
  }
  scmp_filter_ctx f = filter.get();
  int rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
  if (rc != 0) {
    return Failed("TSYNC", rc);
  }
  for (const char* name : kServing) {
    TOCSIN_RETURN_IF_ERROR(Allow(f, name));
  }
  // Threads, not processes: clone only with CLONE_THREAD; clone3's flags
  // sit in memory a filter cannot read, so it answers ENOSYS and glibc
  // falls back to clone.
  rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                        Arg(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  }
  if (rc != 0) {
    return Failed("allowing threads", rc);
  }
  // Stream and datagram sockets of the families a daemon uses (TCP, UDP or
  // the default protocol), and route netlink (interface lookup): no raw IP,
  // packet, SCTP or other sockets, so no protocol module loads on demand.
  for (int family : {AF_INET, AF_INET6}) {
    for (auto [type, protocol] : {std::pair<int, int>{SOCK_STREAM, 0}, std::pair<int, int>{SOCK_STREAM, IPPROTO_TCP},
                                  std::pair<int, int>{SOCK_DGRAM, 0}, std::pair<int, int>{SOCK_DGRAM, IPPROTO_UDP}}) {
      rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
                            Arg(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(family)),
                            Arg(1, SCMP_CMP_MASKED_EQ, 0xf, static_cast<scmp_datum_t>(type)),
                            Arg(2, SCMP_CMP_EQ, static_cast<scmp_datum_t>(protocol)));
      if (rc != 0) {
        return Failed("allowing socket", rc);
      }
    }
  }
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    for (int call : {SCMP_SYS(socket), SCMP_SYS(socketpair)}) {
      rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, call, 3, Arg(0, SCMP_CMP_EQ, AF_UNIX),
                            Arg(1, SCMP_CMP_MASKED_EQ, 0xf, static_cast<scmp_datum_t>(type)),
                            Arg(2, SCMP_CMP_EQ, 0));
      if (rc != 0) {
        return Failed("allowing AF_UNIX sockets", rc);
      }
    }
  }
  rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2, Arg(0, SCMP_CMP_EQ, AF_NETLINK),
                        Arg(2, SCMP_CMP_EQ, 0 /* NETLINK_ROUTE */));
  if (rc != 0) {
    return Failed("allowing socket", rc);
  }
  // Memory never writable and executable at once, and never made executable
  // later (as systemd's MemoryDenyWriteExecute=, whose EPERM it repeats):
  // mapping a library read+execute (dlopen of an NSS module) still works.
  constexpr scmp_datum_t kWriteExec = PROT_WRITE | PROT_EXEC;
  rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                        Arg(2, SCMP_CMP_MASKED_EQ, kWriteExec, PROT_WRITE));
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                          Arg(2, SCMP_CMP_MASKED_EQ, kWriteExec, PROT_EXEC));
  }
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                          Arg(2, SCMP_CMP_MASKED_EQ, kWriteExec, 0));
  }
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
                          Arg(2, SCMP_CMP_MASKED_EQ, kWriteExec, kWriteExec));
  }
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                          Arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  }
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mprotect), 1,
                          Arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
  }
  if (rc != 0) {
    return Failed("allowing memory mappings", rc);
  }
  // ioctl: terminal checks (spdlog) and non-blocking I/O only.
  for (unsigned long request : {static_cast<unsigned long>(TCGETS), static_cast<unsigned long>(FIONBIO),
                                static_cast<unsigned long>(FIONREAD), static_cast<unsigned long>(TIOCGWINSZ),
                                static_cast<unsigned long>(SIOCGIFINDEX)}) {
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, Arg(1, SCMP_CMP_EQ, request));
    if (rc != 0) {
      return Failed("allowing ioctl", rc);
    }
  }
  // Signals to this process only (abort, thread wake-ups).
  pid_t self = ::getpid();
  rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                        Arg(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(self)));
  if (rc == 0) {
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                          Arg(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(self)));
  }
  if (rc == 0) {  // thread names (pthread_setname_np) and the dumpable flag
    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, Arg(0, SCMP_CMP_EQ, PR_SET_NAME));
  }
  if (rc != 0) {
    return Failed("allowing signals to itself", rc);
  }
  rc = seccomp_load(f);
  if (rc != 0) {
    return Failed("loading the filter", rc);
  }
  spdlog::info("seccomp: system-call allow-list installed on every thread");
  return {};
}

}  // namespace tocsin
