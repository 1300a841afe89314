// common/syscall_filter.h -- a seccomp allow-list for the network-facing
// daemons (SECURITY.md 34), through libseccomp.
//
// One list for the gateway and both bridges (libcurl's calls are among the
// others'). Installed once start-up is done (files opened, sockets bound,
// threads started), on every thread of the process at once (TSYNC: libzmq's I/O and
// ZAP threads, the metrics server's) and inherited by threads started later.
// A system call outside the list is not made: the process prints which call
// it was to stderr and dies of SIGSYS, so systemd restarts it and the
// operator can read why. What stays allowed is what a serving daemon needs:
// I/O on descriptors it has or opens, sockets (no raw ones), memory, threads,
// time, signals to itself. Not allowed, among others: execve, ptrace,
// mount, kexec, bpf, keyctl, setuid and friends, chroot, personality, raw
// and packet sockets, io_uring, userfaultfd.
//
// The sanitizer build installs nothing (LeakSanitizer stops the world with
// ptrace at exit) and says so.
#pragma once

#include "common/result.h"

namespace tocsin {

// Installs the filter on every thread and logs that it did
// (or why not: a sanitizer build). Fails, naming why, when the kernel or
// libseccomp refuses it.
Status LockDownSyscalls();

// The daemons' --no-syscall-filter flag: for a site whose libraries need a
// call the list lacks (an NSS module, say), until the list is widened.
inline constexpr const char* kNoSyscallFilterHelp =
    "do not install the seccomp system-call allow-list (logged as a warning)";

// True when LockDownSyscalls installs nothing in this build (sanitizers).
bool SyscallFilterDisabledInThisBuild();

}  // namespace tocsin
