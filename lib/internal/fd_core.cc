#include "internal/fd_core.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <climits>
#include <cstdint>

namespace netsctp::internal {

int FdCore::WakeFd(Dir dir) noexcept {
  std::atomic<int>& slot = wake_fd_[static_cast<int>(dir)];
  int e = slot.load(std::memory_order_acquire);
  if (e >= 0) return e;
  // Semaphore mode: each wake-up consumed by one waiter; a spare count only
  // causes one spurious (harmless) loop.
  int mine = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
  if (mine < 0) return -1;
  if (slot.compare_exchange_strong(e, mine, std::memory_order_acq_rel)) return mine;
  ::close(mine);
  return e;
}

void FdCore::SetDeadline(Dir d, std::int64_t ns) noexcept {
  deadline_[static_cast<int>(d)].store(ns, std::memory_order_release);
  Wake(d);
}

void FdCore::Wake(Dir dir) noexcept {
  const int n = waiters_[static_cast<int>(dir)].load(std::memory_order_seq_cst);
  const int e = wake_fd_[static_cast<int>(dir)].load(std::memory_order_seq_cst);
  if (n > 0 && e >= 0) {
    const std::uint64_t count = static_cast<std::uint64_t>(n);
    (void)::write(e, &count, sizeof count);
  }
}

Error IoError(IoStatus s) {
  const int code = IoCode(s);
  switch (static_cast<IoWhere>(-s >> 32)) {
    case IoWhere::kEventfd: return SystemError(code, "eventfd");
    case IoWhere::kPpoll: return SystemError(code, "ppoll");
    case IoWhere::kErrc: return static_cast<Errc>(code);
    case IoWhere::kGeneric: return static_cast<std::errc>(code);
    case IoWhere::kCall: break;
  }
  return SystemError(code);
}

IoStatus FdCore::Wait(Dir dir, short events) {
  const int e = WakeFd(dir);
  if (e < 0) return IoFail(errno, IoWhere::kEventfd);
  std::atomic<int>& waiters = waiters_[static_cast<int>(dir)];
  waiters.fetch_add(1, std::memory_order_seq_cst);
  struct Leave {
    std::atomic<int>& w;
    ~Leave() { w.fetch_sub(1, std::memory_order_seq_cst); }
  } leave{waiters};
  // Close() sets closing_ before reading waiters_/wake_fd_; we registered
  // before reading closing_, so one of us sees the other.
  if (closing_.load(std::memory_order_seq_cst)) return IoFail(Errc::kClosed);
  if (canceled_.load(std::memory_order_seq_cst)) return IoFail(Errc::kCanceled);
  const std::int64_t deadline = deadline_[static_cast<int>(dir)].load(std::memory_order_acquire);
  const std::int64_t slice = wait_slice_ns_.load(std::memory_order_relaxed);
  timespec ts{};
  timespec* timeout = nullptr;
  if (deadline != 0 || slice != 0) {
    std::int64_t left = deadline != 0 ? std::max<std::int64_t>(deadline - NowNs(), 0) : slice;
    if (slice != 0) left = std::min(left, slice);
    ts.tv_sec = static_cast<time_t>(left / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(left % 1'000'000'000);
    timeout = &ts;
  }
  pollfd fds[2] = {{fd_, events, 0}, {e, POLLIN, 0}};
  const int r = ppoll(fds, 2, timeout, nullptr);
  if (r < 0 && errno != EINTR) return IoFail(errno, IoWhere::kPpoll);
  if (r > 0 && (fds[1].revents & POLLIN) != 0) {
    std::uint64_t v;
    (void)::read(e, &v, sizeof v);  // may lose the race to another waiter: fine
  }
  return 0;  // the caller re-checks closed, deadline and retries the operation
}

Result<void> FdCore::WaitReady(Dir dir, short events) {
  Guard g(*this);
  if (!g.ok) return std::errc::bad_file_descriptor;
  for (;;) {
    if (closing_.load(std::memory_order_acquire)) return Errc::kClosed;
    if (canceled_.load(std::memory_order_seq_cst)) return Errc::kCanceled;
    const std::int64_t deadline = deadline_[static_cast<int>(dir)].load(std::memory_order_acquire);
    if (deadline != 0 && NowNs() >= deadline) return Errc::kTimeout;
    pollfd p{fd_, events, 0};
    const int r = ::poll(&p, 1, 0);
    if (r > 0) return {};
    if (r < 0 && errno != EINTR) return SystemError(errno, "poll");
    if (const IoStatus w = Wait(dir, events); w < 0) return IoError(w);
  }
}

Result<void> FdCore::EnableKernelWait(bool fd_blocking) noexcept {
  follows_mode_ = true;
  if (NonBlocking()) return {};  // stays non-blocking until SetNonBlocking(false)
  if (!fd_blocking) {
    const int fl = ::fcntl(fd_, F_GETFL);
    if (fl < 0 || ::fcntl(fd_, F_SETFL, fl & ~O_NONBLOCK) != 0) return SystemError(errno, "fcntl O_NONBLOCK");
  }
  kernel_wait_.store(true, std::memory_order_relaxed);
  return {};
}

void FdCore::SetNonBlocking(bool on) noexcept {
  nonblocking_.store(on, std::memory_order_relaxed);
  if (!follows_mode_) return;
  const int fl = ::fcntl(fd_, F_GETFL);
  if (fl < 0 || ::fcntl(fd_, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) != 0) return;
  kernel_wait_.store(!on, std::memory_order_relaxed);
}

bool FdCore::SetKernelSlice() noexcept {
  const timeval slice{static_cast<time_t>(kernel_slice_ns_ / 1'000'000'000),
                      static_cast<suseconds_t>(kernel_slice_ns_ % 1'000'000'000 / 1000)};
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice) != 0) {
    kernel_wait_.store(false, std::memory_order_relaxed);  // an unbounded sleep could miss deadlines
    return false;
  }
  rcvtimeo_set_ = true;
  return true;
}

bool FdCore::FdBlocking() const noexcept {
  const int fl = ::fcntl(fd_, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK) == 0;
}

bool FdCore::End(int cause) noexcept {
  Guard g(*this);
  if (!g.ok) return false;
  int now = end_.load(std::memory_order_acquire);
  while ((now == kLive || (now == 0 && cause != 0)) &&
         !end_.compare_exchange_weak(now, cause, std::memory_order_acq_rel)) {
  }
  if (now == kLive) (void)::shutdown(fd_, SHUT_RDWR);  // ENOTCONN on a closed socket: it still takes effect
  return true;
}

bool FdCore::Retire(bool wake_kernel_readers) noexcept {
  bool expected = false;
  if (!closing_.compare_exchange_strong(expected, true, std::memory_order_seq_cst)) return false;
  // A reader asleep in the kernel wakes only through the socket. A read that
  // registers after this returns at once: the shut reading side stays shut.
  // Release() must hand the socket back intact: its sleeping reader sees
  // closing_ when its slice ends.
  if (wake_kernel_readers && kernel_readers_.load(std::memory_order_seq_cst) != 0) {
    (void)::shutdown(fd_, SHUT_RD);
  }
  // Wake every waiter for good: a large count keeps the eventfd readable.
  for (const std::atomic<int>& slot : wake_fd_) {
    if (const int e = slot.load(std::memory_order_seq_cst); e >= 0) {
      const std::uint64_t many = UINT32_MAX;
      (void)::write(e, &many, sizeof many);
    }
  }
  // Woken calls leave within microseconds; a short sleep-poll avoids any
  // notification that would touch this object after they left.
  for (int spins = 0; users_.load(std::memory_order_seq_cst) != 0; ++spins) {
    if (spins < 100) {
      sched_yield();
    } else {
      const timespec pause{0, 100'000};
      nanosleep(&pause, nullptr);
    }
  }
  closed_.store(true, std::memory_order_release);
  for (std::atomic<int>& slot : wake_fd_) {
    if (const int e = slot.exchange(-1); e >= 0) ::close(e);
  }
  return true;
}

Result<void> FdCore::Close() noexcept {
  if (!Retire(true)) return std::errc::bad_file_descriptor;
  // close() is never retried: on Linux the descriptor is released even when
  // it reports EINTR; another error is still worth reporting (e.g. EIO).
  if (::close(fd_) != 0 && errno != EINTR) return SystemError(errno, "close");
  return {};
}

int FdCore::Release() noexcept {
  if (!Retire(false)) return -1;
  // Handed back as it came: non-blocking, reads not capped.
  if (follows_mode_) {
    const int fl = ::fcntl(fd_, F_GETFL);
    if (fl >= 0) (void)::fcntl(fd_, F_SETFL, fl | O_NONBLOCK);
  }
  if (rcvtimeo_set_) {
    const timeval none{0, 0};
    (void)::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  }
  return fd_;
}

}  // namespace netsctp::internal
