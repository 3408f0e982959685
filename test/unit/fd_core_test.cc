// FdCore, the machinery behind blocking calls, exercised on a Unix socket
// pair (no SCTP needed): deadlines, deadline changes while blocked, Close
// waking a blocked call, non-blocking mode.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "internal/fd_core.h"

using netsctp::Errc;
using netsctp::internal::DeadlineNs;
using netsctp::internal::Dir;
using netsctp::internal::FdCore;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    a = fds[0];
    b = fds[1];
  }
  ~Pair() {
    if (b >= 0) close(b);
  }
};

// What Io returned, as the public calls return it.
netsctp::Result<std::int64_t> AsResult(netsctp::internal::IoStatus s) {
  if (s >= 0) return s;
  return netsctp::internal::IoError(s);
}

netsctp::Result<std::int64_t> Recv(FdCore& core) {
  char c;
  const int fd = core.fd();
  return AsResult(core.Io(Dir::kRead, POLLIN, [&](int flags) { return ::recv(fd, &c, 1, flags); }));
}

}  // namespace

TEST_CASE("data ready is returned at once") {
  Pair p;
  FdCore core(p.a);
  REQUIRE(::send(p.b, "x", 1, 0) == 1);
  auto r = Recv(core);
  REQUIRE(r.has_value());
  CHECK(*r == 1);
}

TEST_CASE("a past deadline fails at once even when data is ready") {
  Pair p;
  FdCore core(p.a);
  REQUIRE(::send(p.b, "x", 1, 0) == 1);
  core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now() - 1s));
  auto r = Recv(core);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Errc::kTimeout);
  CHECK(r.error().code() == std::errc::timed_out);
  // Clearing the deadline makes the data readable again.
  core.SetDeadline(Dir::kRead, 0);
  CHECK(Recv(core).has_value());
}

TEST_CASE("a future deadline ends a blocked call with a timeout") {
  Pair p;
  FdCore core(p.a);
  const auto start = Clock::now();
  core.SetDeadline(Dir::kRead, DeadlineNs(start + 200ms));
  auto r = Recv(core);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Errc::kTimeout);
  CHECK(Clock::now() - start >= 200ms);
}

TEST_CASE("a deadline set from another thread reaches a blocked call") {
  Pair p;
  FdCore core(p.a);
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now()));
  });
  auto r = Recv(core);  // no deadline when it started: would block forever
  t.join();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Errc::kTimeout);
}

TEST_CASE("Close from another thread wakes a blocked call, which reports closed") {
  Pair p;
  auto core = std::make_unique<FdCore>(p.a);
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    CHECK(core->Close().has_value());
  });
  auto r = Recv(*core);
  t.join();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Errc::kClosed);
  // Closed for good: the descriptor is gone and every call says so.
  CHECK(core->fd() == -1);
  auto again = Recv(*core);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error() == std::errc::bad_file_descriptor);
  CHECK(core->Close().error() == std::errc::bad_file_descriptor);
}

TEST_CASE("data arriving wakes a blocked call") {
  Pair p;
  FdCore core(p.a);
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    CHECK(::send(p.b, "y", 1, 0) == 1);
  });
  auto r = Recv(core);
  t.join();
  REQUIRE(r.has_value());
  CHECK(*r == 1);
}

TEST_CASE("non-blocking mode returns EAGAIN as a value") {
  Pair p;
  FdCore core(p.a);
  core.SetNonBlocking(true);
  auto r = Recv(core);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == std::errc::resource_unavailable_try_again);
}

TEST_CASE("Release hands the descriptor back open") {
  Pair p;
  FdCore core(p.a);
  const int fd = core.Release();
  CHECK(fd == p.a);
  CHECK(core.fd() == -1);
  CHECK(::send(p.b, "z", 1, 0) == 1);
  char c;
  CHECK(::recv(fd, &c, 1, 0) == 1);  // still open and usable
  ::close(fd);
}

TEST_CASE("Cancel ends a wait with canceled") {
  Pair p;
  FdCore core(p.a);
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    core.Cancel();
  });
  auto r = core.WaitReady(Dir::kRead, POLLIN);
  t.join();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Errc::kCanceled);
}

TEST_CASE("a wait slice set while a call waits makes it re-check at once") {
  // The kernel signals some endings (an association our own shutdown ended)
  // through no poll event: a waiting call must still notice them.
  Pair p;
  FdCore core(p.a);
  std::atomic<bool> ended{false};
  core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now() + 5s));  // failsafe only
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    ended = true;                  // nothing readable appears on the socket
    core.SetWaitSlice(10'000'000);  // 10 ms
  });
  const auto start = Clock::now();
  auto r = AsResult(core.Io(Dir::kRead, POLLIN, [&](int) -> ssize_t {
    if (ended) return 0;
    errno = EAGAIN;
    return -1;
  }));
  t.join();
  REQUIRE(r.has_value());  // not Errc::kTimeout from the failsafe
  CHECK(Clock::now() - start < 4s);
}

TEST_CASE("a deadline set for one direction reaches its waiter while the other direction also waits") {
  // One reader and one writer may wait at once; a wake-up meant for one must
  // never be taken by the other.
  Pair p;
  FdCore core(p.a);
  char block[4096] = {};
  while (::send(p.a, block, sizeof block, 0) > 0) {
  }  // the send side is full: a write waits
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    core.SetDeadline(Dir::kRead, 0);
    core.SetDeadline(Dir::kWrite, 0);
    std::atomic<long long> read_ms{-1};
    std::thread reader([&] {
      const auto t0 = Clock::now();
      (void)Recv(core);
      read_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    });
    const auto t0 = Clock::now();
    std::thread setter([&] {
      std::this_thread::sleep_for(50ms);
      core.SetDeadline(Dir::kWrite, DeadlineNs(Clock::now() + 100ms));
    });
    const int fd = core.fd();
    auto w = AsResult(core.Io(Dir::kWrite, POLLOUT, [&](int flags) { return ::send(fd, block, sizeof block, flags); }));
    const auto write_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    setter.join();
    CHECK(w.error() == Errc::kTimeout);
    CHECK(write_ms < 2000);
    core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now()));  // release the reader
    reader.join();
    CHECK(read_ms >= 0);
  }
}

// ---- kernel waits: a blocking read with no deadline sleeps inside the
// system call, as a raw blocking reader does.

namespace {

// A blocking pair whose core sleeps in the kernel; `calls` counts the
// system calls the read makes.
struct KernelPair {
  int a = -1, b = -1;
  FdCore core;
  std::atomic<int> calls{0};
  explicit KernelPair(std::int64_t slice_ns) : core(MakePair(a, b)) {
    core.SetKernelWaitSlice(slice_ns);
    REQUIRE(core.EnableKernelWait(true).has_value());
  }
  ~KernelPair() {
    if (b >= 0) close(b);
  }
  static int MakePair(int& a, int& b) {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0);
    a = fds[0];
    b = fds[1];
    return a;
  }
  netsctp::Result<std::int64_t> Read() {
    char c;
    const int fd = core.fd();
    return AsResult(core.Io(Dir::kRead, POLLIN, [&](int flags) {
      ++calls;
      return ::recv(fd, &c, 1, flags);
    }));
  }
};

long long MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("a blocking read that waits for data makes one system call") {
  KernelPair p(5'000'000'000);
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    REQUIRE(::send(p.b, "x", 1, 0) == 1);
  });
  auto r = p.Read();
  t.join();
  REQUIRE(r.has_value());
  CHECK(*r == 1);
  CHECK(p.calls == 1);  // not EAGAIN, poll, read again
}

TEST_CASE("Close wakes a read asleep in the kernel at once, not when its slice ends") {
  KernelPair p(30'000'000'000);
  std::atomic<bool> closed_ok{false};
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    closed_ok = p.core.Close().has_value();
  });
  const auto t0 = Clock::now();
  auto r = p.Read();
  const auto ms = MsSince(t0);
  t.join();
  CHECK(closed_ok);
  CHECK(r.error() == Errc::kClosed);
  CHECK(ms < 15'000);  // far below the 30 s slice
  CHECK(p.calls == 1);
}

TEST_CASE("a deadline set from another thread reaches a read asleep in the kernel within its slice") {
  KernelPair p(50'000'000);
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    p.core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now() + 100ms));
  });
  const auto t0 = Clock::now();
  auto r = p.Read();
  const auto ms = MsSince(t0);
  t.join();
  CHECK(r.error() == Errc::kTimeout);
  CHECK(ms >= 190);
  CHECK(ms < 5000);
}

TEST_CASE("Release while a read sleeps in the kernel hands the socket back intact and non-blocking") {
  KernelPair p(50'000'000);
  netsctp::Result<std::int64_t> r = 0;
  std::thread t([&] { r = p.Read(); });
  std::this_thread::sleep_for(100ms);
  const int fd = p.core.Release();
  t.join();
  REQUIRE(fd == p.a);
  CHECK(r.error() == Errc::kClosed);
  CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  // Its reading side still works: nothing was shut.
  REQUIRE(::send(p.b, "y", 1, 0) == 1);
  char c = 0;
  CHECK(::recv(fd, &c, 1, 0) == 1);
  CHECK(c == 'y');
  close(fd);
}

TEST_CASE("a read asleep in the kernel returns 0 at the peer's end") {
  KernelPair p(5'000'000'000);
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    close(p.b);
    p.b = -1;
  });
  auto r = p.Read();
  t.join();
  REQUIRE(r.has_value());
  CHECK(*r == 0);
}

TEST_CASE("a descriptor made non-blocking behind the core's back does not make reads spin") {
  KernelPair p(5'000'000'000);
  const int fl = fcntl(p.a, F_GETFL);
  REQUIRE(fcntl(p.a, F_SETFL, fl | O_NONBLOCK) == 0);
  std::thread t([&] {
    std::this_thread::sleep_for(200ms);
    REQUIRE(::send(p.b, "x", 1, 0) == 1);
  });
  auto r = p.Read();
  t.join();
  REQUIRE(r.has_value());
  CHECK(p.calls <= 3);  // EAGAIN once, then poll and read
}

TEST_CASE("reads with a deadline and non-blocking reads never sleep in the kernel") {
  KernelPair p(5'000'000'000);
  p.core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now() + 100ms));
  auto r = p.Read();
  CHECK(r.error() == Errc::kTimeout);
  p.core.SetDeadline(Dir::kRead, 0);
  p.core.SetNonBlocking(true);
  const auto t0 = Clock::now();
  auto n = p.Read();
  CHECK(n.error() == std::errc::resource_unavailable_try_again);
  CHECK(MsSince(t0) < 2000);
}

TEST_CASE("a failed IoStatus becomes the error the public calls always returned") {
  using netsctp::internal::IoError;
  using netsctp::internal::IoFail;
  using netsctp::internal::IoWhere;
  // Every failure is negative; a count never is.
  for (const auto s : {IoFail(1), IoFail(4095), IoFail(Errc::kTimeout), IoFail(std::errc::bad_file_descriptor),
                       IoFail(EMFILE, IoWhere::kEventfd), IoFail(EINVAL, IoWhere::kPpoll)}) {
    CHECK(s < 0);
  }
  const netsctp::Error reset = IoError(IoFail(ECONNRESET));
  CHECK(reset.code() == std::error_code(ECONNRESET, std::system_category()));
  CHECK(reset.context().empty());
  CHECK(IoError(IoFail(Errc::kTimeout)) == Errc::kTimeout);
  CHECK(IoError(IoFail(Errc::kEndOfStream)) == Errc::kEndOfStream);
  const netsctp::Error badf = IoError(IoFail(std::errc::bad_file_descriptor));
  CHECK(badf.code() == std::make_error_code(std::errc::bad_file_descriptor));  // generic category, as before
  const netsctp::Error ev = IoError(IoFail(EMFILE, IoWhere::kEventfd));
  CHECK(ev == std::errc::too_many_files_open);
  CHECK(ev.context() == "eventfd");
  CHECK(IoError(IoFail(EINVAL, IoWhere::kPpoll)).context() == "ppoll");
}

// TryOnce, the one-system-call success path of every message read and write:
// what it answers itself, and when it hands over to Io (having moved nothing).
TEST_CASE("TryOnce makes exactly one system call and says when Io must take over") {
  using netsctp::internal::IoFail;
  KernelPair p(5'000'000'000);
  int calls = 0;
  char c;
  const auto read = [&](FdCore& core) {
    return core.TryOnce(Dir::kRead, [&](int fd, int flags) {
      ++calls;
      return ::recv(fd, &c, 1, flags);
    });
  };
  SECTION("data ready: its count") {
    REQUIRE(::send(p.b, "x", 1, 0) == 1);
    CHECK(read(p.core) == 1);
    CHECK(calls == 1);
  }
  SECTION("a blocking read with nothing queued sleeps in that one call") {
    std::thread t([&] {
      std::this_thread::sleep_for(100ms);
      REQUIRE(::send(p.b, "x", 1, 0) == 1);
    });
    CHECK(read(p.core) == 1);
    t.join();
    CHECK(calls == 1);
  }
  SECTION("non-blocking and nothing queued: EAGAIN as the answer, not a second try") {
    p.core.SetNonBlocking(true);
    CHECK(read(p.core) == IoFail(std::errc::resource_unavailable_try_again));
    CHECK(calls == 1);
  }
  SECTION("a deadline or Close: no call, Io decides") {
    p.core.SetDeadline(Dir::kRead, DeadlineNs(Clock::now() + 1h));
    CHECK(read(p.core) == FdCore::kTryIo);
    p.core.SetDeadline(Dir::kRead, 0);
    REQUIRE(p.core.Close().has_value());
    CHECK(read(p.core) == FdCore::kTryIo);
    CHECK(calls == 0);
  }
  SECTION("an error other than EAGAIN is the answer") {
    CHECK(p.core.TryOnce(Dir::kWrite, [&](int, int) {
      ++calls;
      errno = ECONNRESET;
      return -1;
    }) == IoFail(ECONNRESET));
    CHECK(calls == 1);
  }
  SECTION("a blocking write that finds the buffer full: Io waits first") {
    std::vector<char> big(4096, 'x');
    while (::send(p.a, big.data(), big.size(), MSG_DONTWAIT) > 0) {
    }
    CHECK(p.core.TryOnce(Dir::kWrite, [&](int fd, int flags) {
      ++calls;
      return ::send(fd, big.data(), big.size(), flags);
    }) == FdCore::kWaitIo);
    CHECK(calls == 1);
  }
}
