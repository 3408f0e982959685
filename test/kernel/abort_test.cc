// A peer's ABORT in every interleaving: whichever of our calls learns of it
// first (a reader already waiting, a writer, a reader arriving later, an
// epoll loop, a liveness check), every later read and write on the
// connection ends at once with the same reason, and data that arrived before
// the abort is still read first. Linux itself reports nothing through poll
// for a one-to-one socket whose association is gone once its error has been
// read: these tests fail (time out) wherever netsctp relied on it.
//
// Run: tools/sctp-lab run -- abort_test -r cases
#include <catch2/catch.hpp>

#include <netinet/sctp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/error.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::SctpConn;

namespace {

// Generous bound for "at once" on a shared, slow lab: a hang shows as the
// 10 s read deadline instead.
constexpr long long kPromptMs = 2000;

// The peer aborts (linger 0 + Close, an ABORT chunk) and we wait until the
// abort has arrived, without consuming its error: poll reports POLLERR.
void AbortFrom(SctpConn& peer, SctpConn& us) {
  MUST(peer.SetLinger(0));
  MUST(peer.Close());
  pollfd p{us.fd(), 0, 0};
  REQUIRE(::poll(&p, 1, 10000) == 1);
  REQUIRE((p.revents & POLLERR) != 0);
}

// Writes until a write fails (the abort's error); returns that error.
std::error_code WriteUntilError(SctpConn& c) {
  for (int i = 0; i < 1000; ++i) {
    auto r = c.WriteMsg(Bytes("after the abort"));
    if (!r) return r.error().code();
  }
  return {};
}

bool IsAbortError(std::error_code e) {
  return e == std::errc::connection_reset || e == std::errc::broken_pipe;
}

// Every read flavour, bounded by a 10 s deadline, ends at once with `want`.
void ReadsEndWith(SctpConn& c, std::errc want) {
  std::vector<std::byte> buf(65536);
  MUST(c.SetReadDeadline(In(10s)));
  for (int round = 0; round < 2; ++round) {
    auto t0 = Clock::now();
    auto m = c.ReadMsg(buf);
    CHECK(ErrOf(m) == want);
    CHECK(MsSince(t0) < kPromptMs);
    t0 = Clock::now();
    auto f = c.ReadFullMsg(buf);
    CHECK(ErrOf(f) == want);
    CHECK(MsSince(t0) < kPromptMs);
    t0 = Clock::now();
    auto e = c.ReadMsgOrEvent(buf);
    CHECK(ErrOf(e) == want);
    CHECK(MsSince(t0) < kPromptMs);
    t0 = Clock::now();
    auto r = c.Read(buf);
    CHECK(ErrOf(r) == want);
    CHECK(MsSince(t0) < kPromptMs);
  }
}

}  // namespace

TEST_CASE("abort: a writer consumes the error first, then every read ends at once with ECONNRESET") {
  Pair p = Connect();
  AbortFrom(p.client, p.server);
  const std::error_code w = WriteUntilError(p.server);
  INFO("the write's error: " << Catch::StringMaker<std::error_code>::convert(w));
  REQUIRE(w == std::errc::connection_reset);
  ReadsEndWith(p.server, std::errc::connection_reset);
  // Writes keep failing with the same reason, at once.
  const auto t0 = Clock::now();
  CHECK(ErrOf(p.server.WriteMsg(Bytes("again"))) == std::errc::connection_reset);
  CHECK(MsSince(t0) < kPromptMs);
}

TEST_CASE("abort: a first read consumes the error, later reads and writes end at once") {
  Pair p = Connect();
  AbortFrom(p.client, p.server);
  ReadsEndWith(p.server, std::errc::connection_reset);
  CHECK(ErrOf(p.server.WriteMsg(Bytes("after"))) == std::errc::connection_reset);
}

TEST_CASE("abort: a reader blocked before the abort wakes with ECONNRESET") {
  Pair p = Connect();
  std::vector<std::byte> buf(1024);
  MUST(p.server.SetReadDeadline(In(10s)));
  std::thread aborter([&] {
    std::this_thread::sleep_for(300ms);
    (void)p.client.SetLinger(0);
    (void)p.client.Close();
  });
  const auto t0 = Clock::now();
  auto r = p.server.ReadMsg(buf);
  const auto ms = MsSince(t0);
  aborter.join();
  CHECK(ErrOf(r) == std::errc::connection_reset);
  CHECK(ms < 300 + kPromptMs);
  ReadsEndWith(p.server, std::errc::connection_reset);
}

TEST_CASE("abort: a reader blocked while a writer thread consumes the error is woken, every time") {
  // The reader and the writer race for the one error the kernel reports;
  // whichever loses must still end at once. Repeated to catch both orders.
  for (int run = 0; run < 20; ++run) {
    INFO("run " << run);
    Pair p = Connect();
    std::vector<std::byte> buf(1024);
    MUST(p.server.SetReadDeadline(In(10s)));
    std::atomic<bool> reading{false};
    std::error_code read_err;
    long long read_ms = 0;
    std::thread reader([&] {
      reading = true;
      const auto t0 = Clock::now();
      auto r = p.server.ReadMsg(buf);
      read_ms = MsSince(t0);
      read_err = ErrOf(r);
    });
    while (!reading) std::this_thread::yield();
    std::this_thread::sleep_for(50ms);  // the reader is (most likely) in its wait
    MUST(p.client.SetLinger(0));
    MUST(p.client.Close());
    const std::error_code w = WriteUntilError(p.server);
    const auto t_write = Clock::now();
    reader.join();
    CHECK(IsAbortError(w));
    CHECK(read_err == std::errc::connection_reset);
    CHECK(MsSince(t_write) < kPromptMs);
    CHECK(read_ms < 10000);
  }
}

TEST_CASE("abort: messages that arrived before the abort are read first, then the error") {
  Pair p = Connect();
  for (int i = 0; i < 3; ++i) Send(p.client, "before " + std::to_string(i), 1, 60);
  // Let them arrive before the ABORT does.
  REQUIRE(Readable(p.server.fd(), 5s));
  std::this_thread::sleep_for(200ms);
  AbortFrom(p.client, p.server);
  CHECK(IsAbortError(WriteUntilError(p.server)));
  for (int i = 0; i < 3; ++i) {
    const Received r = Recv(p.server, 65536, 5s);
    CHECK(r.data == "before " + std::to_string(i));
    CHECK(r.msg.info.sid == 1);
    CHECK(r.msg.info.ppid == 60);
  }
  ReadsEndWith(p.server, std::errc::connection_reset);
}

TEST_CASE("abort: an epoll loop learns of it even when a write consumed the error") {
  Pair p = Connect();
  MUST(p.server.SetNonBlocking(true));
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  REQUIRE(ep >= 0);
  SECTION("edge-triggered") {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.fd = p.server.fd();
    REQUIRE(::epoll_ctl(ep, EPOLL_CTL_ADD, p.server.fd(), &ev) == 0);
  }
  SECTION("level-triggered") {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = p.server.fd();
    REQUIRE(::epoll_ctl(ep, EPOLL_CTL_ADD, p.server.fd(), &ev) == 0);
  }
  AbortFrom(p.client, p.server);
  // Drain what epoll already knows (the abort's POLLERR) ...
  epoll_event out{};
  (void)::epoll_wait(ep, &out, 1, 0);
  // ... then a write (e.g. from a timer) consumes the error.
  CHECK(IsAbortError(WriteUntilError(p.server)));
  // The loop is told: the descriptor turns readable and hung up, for good.
  REQUIRE(::epoll_wait(ep, &out, 1, 2000) == 1);
  CHECK(out.data.fd == p.server.fd());
  CHECK((out.events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) != 0);
  std::vector<std::byte> buf(1024);
  CHECK(ErrOf(p.server.ReadMsg(buf)) == std::errc::connection_reset);
  pollfd pf{p.server.fd(), POLLIN, 0};
  REQUIRE(::poll(&pf, 1, 0) == 1);
  CHECK((pf.revents & POLLIN) != 0);
  CHECK((pf.revents & POLLHUP) != 0);
  ::close(ep);
}

TEST_CASE("abort: a non-blocking reader gets the reason, not EAGAIN, after a write consumed the error") {
  Pair p = Connect();
  MUST(p.server.SetNonBlocking(true));
  AbortFrom(p.client, p.server);
  CHECK(IsAbortError(WriteUntilError(p.server)));
  std::vector<std::byte> buf(1024);
  for (int i = 0; i < 3; ++i) CHECK(ErrOf(p.server.ReadMsg(buf)) == std::errc::connection_reset);
}

TEST_CASE("Alive: true while the association lives, the reason once it is gone, and the descriptor says so") {
  Pair p = Connect();
  MUST(p.server.Alive());
  pollfd pf{p.server.fd(), POLLIN, 0};
  CHECK(::poll(&pf, 1, 0) == 0);

  SECTION("after an abort nobody has read yet") {
    AbortFrom(p.client, p.server);
    CHECK(ErrOf(p.server.Alive()) == std::errc::connection_reset);
    CHECK(ErrOf(p.server.Alive()) == std::errc::connection_reset);  // and it stays so
    REQUIRE(::poll(&pf, 1, 0) == 1);
    CHECK((pf.revents & POLLIN) != 0);
    CHECK((pf.revents & POLLHUP) != 0);
    ReadsEndWith(p.server, std::errc::connection_reset);
    CHECK(ErrOf(p.server.WriteMsg(Bytes("x"))) == std::errc::connection_reset);
  }
  SECTION("after the peer's graceful close: end of stream") {
    Send(p.client, "last words", 2, 46);
    MUST(p.client.Close());
    // The peer's SHUTDOWN completes; reads give the data, then end of stream.
    CHECK(Recv(p.server, 65536, 5s).data == "last words");
    std::vector<std::byte> buf(1024);
    MUST(p.server.SetReadDeadline(In(10s)));
    CHECK(ErrOf(p.server.ReadMsg(buf)) == Errc::kEndOfStream);
    const auto t0 = Clock::now();
    netsctp::Result<void> alive;
    while ((alive = p.server.Alive()) && MsSince(t0) < 10000) std::this_thread::sleep_for(20ms);
    CHECK(ErrOf(alive) == Errc::kEndOfStream);
    CHECK(ErrOf(p.server.ReadMsg(buf)) == Errc::kEndOfStream);
    CHECK(ErrOf(p.server.WriteMsg(Bytes("x"))) == std::errc::broken_pipe);
  }
  SECTION("after our own CloseWrite completes: end of stream, and pollers are told") {
    MUST(p.server.CloseWrite());
    CHECK(ReadError(p.client) == Errc::kEndOfStream);
    const auto t0 = Clock::now();
    netsctp::Result<void> alive;
    while ((alive = p.server.Alive()) && MsSince(t0) < 10000) std::this_thread::sleep_for(20ms);
    CHECK(ErrOf(alive) == Errc::kEndOfStream);
    REQUIRE(::poll(&pf, 1, 0) == 1);
    CHECK((pf.revents & POLLHUP) != 0);
  }
  SECTION("closed: EBADF") {
    MUST(p.server.Close());
    CHECK(ErrOf(p.server.Alive()) == std::errc::bad_file_descriptor);
  }
}
