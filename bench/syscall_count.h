// syscall_count.h: how many system calls the calling thread makes, counted
// by the kernel itself: a perf counter on the raw_syscalls:sys_enter
// tracepoint, attached to this thread only. Unlike strace it does not stop
// the thread at each call, so the other side's scheduling (and with it how
// often a call finds nothing to do and waits) stays as in a timed run.
// Needs perf events and tracefs (the qemu lab's Debian kernel has both, once
// tracefs is mounted; user-mode Linux has neither) and root or
// kernel.perf_event_paranoid <= -1 for a tracepoint.
#pragma once

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>

namespace syscall_count {

// The tracepoint's id, or -1 where tracefs (or tracing) is missing.
inline long TracepointId() {
  for (const char* path : {"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
                           "/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id"}) {
    std::ifstream in(path);
    long id = -1;
    if (in >> id) return id;
  }
  return -1;
}

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;
  ~Counter() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Starts counting this thread's calls from the next one on; false (errno
  // set) when the counter cannot be opened.
  bool Start(long tracepoint_id) {
    if (fd_ >= 0) ::close(fd_);
    perf_event_attr a{};
    a.type = PERF_TYPE_TRACEPOINT;
    a.size = sizeof a;
    a.config = static_cast<std::uint64_t>(tracepoint_id);
    a.sample_period = 1;  // a tracepoint counter counts every hit
    fd_ = static_cast<int>(::syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
    return fd_ >= 0;
  }

  // The calls made since Start, this read excluded; -1 when not counting.
  long Stop() {
    if (fd_ < 0) return -1;
    std::uint64_t n = 0;
    const ssize_t r = ::read(fd_, &n, sizeof n);
    ::close(fd_);
    fd_ = -1;
    if (r != static_cast<ssize_t>(sizeof n)) return -1;
    return static_cast<long>(n) - 1;  // the read above entered the kernel too
  }

 private:
  int fd_ = -1;
};

}  // namespace syscall_count
