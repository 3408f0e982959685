// FdCore: the descriptor shared by SctpConn, SctpListener and SctpEndpoint,
// with the machinery that makes blocking calls Go-like: deadlines, waking by
// Close() from another thread, and closing only once no call uses the
// descriptor (so a reused descriptor number is never touched).
//
// A call is `Io(kRead, POLLIN, op)`, where op(flags) makes one system call
// with `flags` added. Two ways to wait:
//
// - Poll: op(MSG_DONTWAIT) is tried first (one system call on the fast path);
//   only on EAGAIN does the caller wait in ppoll on the socket and a wake-up
//   eventfd of its direction, created on first wait (non-blocking users never
//   pay for it). One eventfd per direction: a reader and a writer may wait at
//   once, and a wake-up meant for one must not be taken by the other.
// - Kernel: a blocking read with no deadline, on a connection whose
//   descriptor is blocking (EnableKernelWait), is op(0): it sleeps inside
//   recvmsg like a raw blocking reader, one system call whether or not it
//   waits, and no eventfd. Close() wakes it by shutting the socket's reading
//   side (it is being closed anyway); SO_RCVTIMEO caps each sleep at
//   kKernelWaitSliceNs so that it adopts a deadline set from another thread,
//   a wait slice or Release() within that time.
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>

#include "netsctp/result.h"

namespace netsctp::internal {

enum class Dir { kRead = 0, kWrite = 1 };

// What a call through the core returns: a count (>= 0), or a failure (< 0)
// that IoError turns into an Error. A plain integer, so that the success
// path of a read or write builds and copies no Error: the public calls make
// their Result once, at the top.
using IoStatus = std::int64_t;
// Where a failure came from: the call itself (an errno), the eventfd or ppoll
// of a wait (an errno, named in the message), netsctp (an Errc, or a
// std::errc of the generic category).
enum class IoWhere : std::int64_t { kCall = 0, kEventfd = 1, kPpoll = 2, kErrc = 3, kGeneric = 4 };
constexpr IoStatus IoFail(int err, IoWhere where = IoWhere::kCall) noexcept {
  return -((static_cast<std::int64_t>(where) << 32) | err);
}
constexpr IoStatus IoFail(Errc e) noexcept { return IoFail(static_cast<int>(e), IoWhere::kErrc); }
constexpr IoStatus IoFail(std::errc e) noexcept { return IoFail(static_cast<int>(e), IoWhere::kGeneric); }
// The code (errno, Errc or std::errc value) of a failed IoStatus.
constexpr int IoCode(IoStatus s) noexcept { return static_cast<int>(-s & 0xffffffff); }
// The Error of a failed IoStatus (out of line: failures only).
Error IoError(IoStatus s);

// The longest a kernel wait sleeps before it looks at deadlines, wait slices
// and Release() again (each costs an idle reader one system call).
inline constexpr std::int64_t kKernelWaitSliceNs = 200'000'000;

class FdCore {
 public:
  explicit FdCore(int fd) noexcept : fd_(fd) {}
  FdCore(const FdCore&) = delete;
  FdCore& operator=(const FdCore&) = delete;
  ~FdCore() { (void)Close(); }

  int fd() const noexcept { return closed_.load(std::memory_order_acquire) ? -1 : fd_; }

  // Deadlines in steady-clock nanoseconds since its epoch; 0 = none.
  void SetDeadline(Dir d, std::int64_t ns) noexcept;
  // Non-blocking mode: EAGAIN is returned. On a core with kernel waits the
  // descriptor follows the mode (O_NONBLOCK on or off) for those who poll it.
  void SetNonBlocking(bool on) noexcept;
  // Lets blocking reads without a deadline sleep inside the system call
  // (see above). For one-to-one connection sockets only: Close() must be able
  // to wake a sleeping reader with shutdown(SHUT_RD). From then on the
  // descriptor's O_NONBLOCK follows the mode (`fd_blocking`: it is blocking
  // already); every call but a kernel wait passes MSG_DONTWAIT. Release()
  // hands it back non-blocking.
  Result<void> EnableKernelWait(bool fd_blocking) noexcept;
  // The cap on each kernel sleep (default kKernelWaitSliceNs); set before the
  // first read (tests use it to tell a wake-up from the cap).
  void SetKernelWaitSlice(std::int64_t ns) noexcept { kernel_slice_ns_ = ns; }
  // Caps each wait at `ns` (0: no cap), so that a call re-checks a condition
  // the kernel does not signal through poll.
  void SetWaitSlice(std::int64_t ns) noexcept {
    wait_slice_ns_.store(ns, std::memory_order_relaxed);
    Wake();  // calls already waiting adopt the slice
  }
  bool HasWaitSlice() const noexcept { return wait_slice_ns_.load(std::memory_order_relaxed) != 0; }
  bool NonBlocking() const noexcept { return nonblocking_.load(std::memory_order_relaxed); }

  // Runs `op(flags)` (returns >= 0 or -1 with errno; `flags` are MSG_DONTWAIT
  // or, for a kernel wait, 0) until it succeeds, fails with something other
  // than EINTR/EAGAIN, the deadline passes (Errc::kTimeout), or Close() is
  // called (Errc::kClosed). Returns op's value, or the failure (IoStatus).
  // `wait_first`: a call just made met EAGAIN (TryOnce's kWaitIo).
  template <typename Op>
  IoStatus Io(Dir dir, short events, Op&& op, bool wait_first = false) {
    Guard g(*this);
    if (!g.ok) return IoFail(std::errc::bad_file_descriptor);
    if (wait_first) {
      if (const IoStatus w = Wait(dir, events); w < 0) return w;
    }
    for (;;) {
      if (closing_.load(std::memory_order_acquire)) return IoFail(Errc::kClosed);
      const std::int64_t deadline = deadline_[static_cast<int>(dir)].load(std::memory_order_acquire);
      if (deadline != 0 && NowNs() >= deadline) return IoFail(Errc::kTimeout);
      if (dir == Dir::kRead && deadline == 0 && KernelWaitNow()) {
        const IoStatus r = KernelWait(op);
        if (r != kLookAgain) return r;
        continue;
      }
      const auto n = static_cast<IoStatus>(op(MSG_DONTWAIT));
      if (n >= 0) return n;
      const int err = errno;
      if (err == EINTR) continue;
      if (err != EAGAIN) return IoFail(err);
      if (NonBlocking()) return IoFail(std::errc::resource_unavailable_try_again);
      if (const IoStatus w = Wait(dir, events); w < 0) return w;
    }
  }

  // The success path of Io for its common case (no deadline, not closing):
  // one system call, call(fd, flags), under the guard, with flags
  // MSG_DONTWAIT or, for a kernel wait, 0. Returns its count or the
  // failure (anything but EINTR and EAGAIN; EAGAIN in non-blocking mode;
  // Errc::kClosed), or, when Io must take over, kTryIo (Io from the start)
  // or kWaitIo (Io waiting first: the call met EAGAIN in blocking mode).
  // Nothing was transferred then, so Io makes the call again. `call` is
  // taken by value (a pointer or two) so that it stays in registers.
  static constexpr IoStatus kTryIo = INT64_MIN;
  static constexpr IoStatus kWaitIo = INT64_MIN + 1;
  template <typename Call>
  IoStatus TryOnce(Dir dir, Call call) {
    Guard g(*this);
    if (!g.ok || closing_.load(std::memory_order_acquire) ||
        deadline_[static_cast<int>(dir)].load(std::memory_order_acquire) != 0) {
      return kTryIo;
    }
    const auto op = [this, call](int flags) { return call(fd_, flags); };
    if (dir == Dir::kRead && KernelWaitNow()) return KernelWait(op);  // its kLookAgain is kTryIo
    const auto n = static_cast<IoStatus>(op(MSG_DONTWAIT));
    if (n >= 0) return n;
    const int err = errno;
    if (err == EINTR) return kTryIo;
    if (err != EAGAIN) return IoFail(err);
    if (HasWaitSlice()) return kTryIo;  // a sliced wait has more to look at (see DataIo)
    return NonBlocking() ? IoFail(std::errc::resource_unavailable_try_again) : kWaitIo;
  }

  // Runs f(fd) while no Close can release the descriptor; false (f not run)
  // once closing has begun.
  template <typename F>
  bool Use(F&& f) {
    Guard g(*this);
    if (!g.ok) return false;
    f(fd_);
    return true;
  }

  // Waits until `events` are ready on the descriptor (or the deadline /
  // Close), without performing I/O. Used for connect completion.
  Result<void> WaitReady(Dir dir, short events);

  // Makes every waiting call return Errc::kClosed, waits until none uses the
  // descriptor, then closes it (never retried: the descriptor is gone either way).
  Result<void> Close() noexcept;
  // Like Close but hands the socket descriptor back open.
  int Release() noexcept;
  // Wakes waiters so that they re-read deadlines (after SetDeadline) or
  // notice cancellation: those of one direction, or of both.
  void Wake(Dir dir) noexcept;
  void Wake() noexcept {
    Wake(Dir::kRead);
    Wake(Dir::kWrite);
  }
  // Makes WaitReady return Errc::kCanceled (used by a cancelled dial).
  void Cancel() noexcept {
    canceled_.store(true, std::memory_order_seq_cst);
    Wake();
  }

  // Records that the association behind this (connection) socket has ended,
  // and why: `cause` is an errno (ECONNRESET, ETIMEDOUT, ...) or 0 for a
  // graceful end (end of stream). The first cause wins, except that an error
  // replaces a graceful end. Then shuts the socket down both ways: once its
  // association is gone and its error has been read, Linux reports nothing
  // through poll for a one-to-one socket, whereas a shut-down socket reports
  // POLLIN|POLLRDHUP|POLLHUP for good and wakes every waiter and epoll loop;
  // its reads then return 0 after any data still queued. Returns false when
  // the descriptor is being closed.
  bool End(int cause) noexcept;
  bool Ended() const noexcept { return end_.load(std::memory_order_acquire) != kLive; }
  // The cause End recorded: an errno, 0 for a graceful end, -1 while live.
  int EndCause() const noexcept { return end_.load(std::memory_order_acquire); }

  static std::int64_t NowNs() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }

 private:
  // Counts calls in progress; fails (ok == false) once Close has begun.
  struct Guard {
    explicit Guard(FdCore& c) noexcept : core(c) {
      core.users_.fetch_add(1, std::memory_order_seq_cst);
      ok = !core.closing_.load(std::memory_order_seq_cst);
    }
    // Nothing may touch `core` after the decrement: a Close() waiting for
    // users to leave may free it right after.
    ~Guard() { core.users_.fetch_sub(1, std::memory_order_seq_cst); }
    FdCore& core;
    bool ok = false;
  };

  IoStatus Wait(Dir dir, short events);  // 0, or the failure

  bool KernelWaitNow() const noexcept {
    return kernel_wait_.load(std::memory_order_relaxed) && !NonBlocking() &&
           wait_slice_ns_.load(std::memory_order_relaxed) == 0;
  }
  // KernelWait's "look again" (slice over, EINTR, the descriptor turned non-blocking).
  static constexpr IoStatus kLookAgain = kTryIo;
  // One op(0) that may sleep in the kernel. Registered in kernel_readers_
  // first, so that Close() either sees it (and shuts the reading side, which
  // wakes it or makes it return at once) or it sees Close's closing_.
  template <typename Op>
  IoStatus KernelWait(const Op& op) {
    if (!rcvtimeo_set_ && !SetKernelSlice()) return kLookAgain;  // kernel_wait_ is now off
    kernel_readers_.fetch_add(1, std::memory_order_seq_cst);
    const bool closing = closing_.load(std::memory_order_seq_cst);
    const auto n = closing ? -1 : static_cast<IoStatus>(op(0));
    const int err = n < 0 ? errno : 0;
    kernel_readers_.fetch_sub(1, std::memory_order_seq_cst);
    // Woken by Close: its shutdown makes the read return 0 (recvmmsg: a
    // count of empty entries) or fail. What a read racing with Close got is
    // dropped with the connection.
    if (closing || closing_.load(std::memory_order_acquire)) return IoFail(Errc::kClosed);
    if (n >= 0) return n;
    if (err == EINTR) return kLookAgain;
    if (err != EAGAIN) return IoFail(err);
    // The slice ran out, or someone made the descriptor non-blocking (then
    // poll from now on rather than spin).
    if (!FdBlocking()) kernel_wait_.store(false, std::memory_order_relaxed);
    return kLookAgain;
  }
  bool SetKernelSlice() noexcept;  // SO_RCVTIMEO, once; on failure turns kernel waits off
  bool FdBlocking() const noexcept;
  // Starts closing: refuses new calls, wakes waiters, waits for running
  // calls to leave. False when another Close/Release got there first.
  bool Retire(bool wake_kernel_readers) noexcept;
  int WakeFd(Dir dir) noexcept;  // creates the direction's eventfd on first use; -1 on failure

  const int fd_;
  std::atomic<int> wake_fd_[2] = {-1, -1};  // per Dir
  std::atomic<bool> closing_{false};   // set first by Close: new calls refuse
  std::atomic<bool> closed_{false};    // the descriptor is closed or released
  std::atomic<int> users_{0};
  std::atomic<int> waiters_[2] = {0, 0};  // per Dir
  std::atomic<bool> nonblocking_{false};
  std::atomic<bool> canceled_{false};
  std::atomic<std::int64_t> wait_slice_ns_{0};
  std::atomic<std::int64_t> deadline_[2] = {0, 0};
  std::atomic<bool> kernel_wait_{false};
  std::atomic<int> kernel_readers_{0};
  bool rcvtimeo_set_ = false;      // touched only by the (one) reader
  std::int64_t kernel_slice_ns_ = kKernelWaitSliceNs;
  bool follows_mode_ = false;      // EnableKernelWait ran: O_NONBLOCK follows the mode; Release sets it
  static constexpr int kLive = -1;
  std::atomic<int> end_{kLive};
};

// Converts a steady_clock time point to FdCore's deadline form (0 = none; a
// time point at or before the epoch is clamped to 1 ns, i.e. already past).
template <typename TimePoint>
std::int64_t DeadlineNs(TimePoint t) noexcept {
  if (t == TimePoint{}) return 0;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return ns > 0 ? static_cast<std::int64_t>(ns) : 1;
}

}  // namespace netsctp::internal
