// The Asio adapter (netsctp/asio.h) against the real kernel: every completion
// token style (callback, use_awaitable, use_future, deferred), a message
// round trip keeping stream, PPID and flags, association events (COMM_UP,
// SHUTDOWN_COMP, COMM_LOST after the peer aborts), per-operation cancellation
// through a slot and through a timer race after which the connection still
// works, a refused dial, accepts, close() with operations pending, writes
// that wait for buffer space, and a large message read whole although the
// kernel hands it over in pieces.
//
// Run: tools/sctp-lab run --timeout 110 -- asio_test -r cases
//
// Everything runs on the test's thread (io_context::run_for), so Catch
// assertions may sit inside handlers and coroutines.
#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include "alloc_count.h"
#include "helpers.h"
#include "netsctp/asio.h"
#include "netsctp/event.h"

using namespace ktest;
using namespace asio::experimental::awaitable_operators;
using netsctp::AsioAcceptor;
using netsctp::AsioConn;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::MsgOrEvent;
using netsctp::SndInfo;

namespace {

constexpr auto kLimit = 10s;  // no scenario waits longer than this

const std::vector<EventType> kEvents{EventType::kAssocChange, EventType::kShutdown};

// Runs `ctx` until it has no more work, at most kLimit; fails on time-out.
void RunAll(asio::io_context& ctx) {
  ctx.restart();
  const auto t0 = Clock::now();
  ctx.run_for(kLimit);
  REQUIRE(ctx.stopped());
  REQUIRE(Clock::now() - t0 < kLimit);
}

// Runs coroutine `co` on `ctx` to its end and rethrows what it threw.
void RunCo(asio::io_context& ctx, asio::awaitable<void> co) {
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(ctx, std::move(co), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  RunAll(ctx);
  REQUIRE(done);
  if (failure) std::rethrow_exception(failure);
}

AsioAcceptor ListenOn(asio::io_context& ctx) {
  netsctp::ListenConfig lc;
  lc.events = kEvents;
  return MUST(AsioAcceptor::Wrap(ctx.get_executor(), MUST(lc.Listen("sctp", "127.0.0.1:0"))));
}

std::string Target(AsioAcceptor& a) { return HostPort("127.0.0.1", a.next_layer().Addr().port); }

netsctp::Dialer EventDialer() {
  netsctp::Dialer d;
  d.events = kEvents;
  return d;
}

struct AsioPair {
  AsioAcceptor acceptor;
  AsioConn client;
  AsioConn server;
};

// Dials and accepts with callbacks; consumes COMM_UP on both ends.
AsioPair Connect(asio::io_context& ctx) {
  AsioPair p{ListenOn(ctx), AsioConn(ctx.get_executor()), AsioConn(ctx.get_executor())};
  std::optional<std::error_code> dialed, accepted;
  p.client.async_connect(EventDialer(), "sctp", Target(p.acceptor), [&](std::error_code ec) { dialed = ec; });
  p.acceptor.async_accept([&](std::error_code ec, AsioConn c) {
    accepted = ec;
    p.server = std::move(c);
  });
  RunAll(ctx);
  REQUIRE(dialed == std::error_code{});
  REQUIRE(accepted == std::error_code{});
  REQUIRE(p.client.is_open());
  REQUIRE(p.server.is_open());
  for (AsioConn* c : {&p.client, &p.server}) {
    std::array<std::byte, 1024> buf;
    std::optional<MsgOrEvent> in;
    c->async_read_msg(buf, [&](std::error_code ec, MsgOrEvent m) {
      REQUIRE(ec == std::error_code{});
      in = m;
    });
    RunAll(ctx);
    REQUIRE(in);
    REQUIRE(in->IsEvent());
    const auto* ac = std::get_if<AssocChangeEvent>(&*in->event);
    REQUIRE(ac);
    CHECK(ac->state == AssocChangeState::kCommUp);
  }
  return p;
}

SndInfo Info(std::uint16_t sid, std::uint32_t ppid, netsctp::SndFlags flags = netsctp::SndFlags::kNone) {
  SndInfo i;
  i.sid = sid;
  i.ppid = ppid;
  i.flags = flags;
  return i;
}

std::string TextOf(std::span<const std::byte> buf, const MsgOrEvent& m) { return Text(buf.first(m.msg.n)); }

const AssocChangeEvent* AssocChange(const MsgOrEvent& m) {
  return m.IsEvent() ? std::get_if<AssocChangeEvent>(&*m.event) : nullptr;
}

}  // namespace

TEST_CASE("callbacks: accept, dial, a round trip keeping stream, PPID and flags", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);

  std::array<std::byte, 4096> buf;
  std::optional<std::error_code> wrote;
  std::optional<MsgOrEvent> got;
  const std::string ping = Pattern(700, 3);
  p.client.async_write_msg(Bytes(ping), Info(3, 60, netsctp::SndFlags::kUnordered),
                           [&](std::error_code ec, std::size_t n) {
                             wrote = ec;
                             CHECK(n == ping.size());
                           });
  // Even when the result is at hand, the handler never runs inside the call.
  REQUIRE_FALSE(wrote);
  RunAll(ctx);
  REQUIRE(wrote == std::error_code{});

  p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent m) {
    REQUIRE(ec == std::error_code{});
    got = m;
  });
  REQUIRE_FALSE(got);
  RunAll(ctx);
  REQUIRE(got);
  REQUIRE_FALSE(got->IsEvent());
  CHECK(TextOf(buf, *got) == ping);
  REQUIRE(got->msg.has_info);
  CHECK(got->msg.info.sid == 3);
  CHECK(got->msg.info.ppid == 60);
  CHECK(got->msg.info.Unordered());
  CHECK(got->msg.Eor());

  // A read that has to wait: issued first, the message comes later.
  got.reset();
  p.client.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent m) {
    REQUIRE(ec == std::error_code{});
    got = m;
  });
  p.server.async_write_msg(Bytes("pong"), Info(7, 61), [&](std::error_code ec, std::size_t) { wrote = ec; });
  RunAll(ctx);
  REQUIRE(got);
  CHECK(TextOf(buf, *got) == "pong");
  CHECK(got->msg.info.sid == 7);
  CHECK(got->msg.info.ppid == 61);
  CHECK_FALSE(got->msg.info.Unordered());
}

TEST_CASE("use_awaitable: COMM_UP, hundreds of messages, SHUTDOWN_COMP and end of stream", "[asio]") {
  asio::io_context ctx;
  auto acceptor = ListenOn(ctx);
  const std::string target = Target(acceptor);
  constexpr int kMsgs = 300;
  int echoed = 0, checked = 0;
  bool server_comp = false, server_shutdown = false, client_comp = false;

  auto server = [&]() -> asio::awaitable<void> {
    AsioConn c = co_await acceptor.async_accept(asio::use_awaitable);
    std::array<std::byte, 2048> buf;
    for (;;) {
      auto [ec, in] = co_await c.async_read_msg(buf, asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) {
        CHECK(ec == Errc::kEndOfStream);
        break;
      }
      if (in.IsEvent()) {
        if (std::holds_alternative<netsctp::ShutdownEvent>(*in.event)) server_shutdown = true;
        if (const auto* ac = AssocChange(in); ac && ac->state == AssocChangeState::kShutdownComp) server_comp = true;
        continue;
      }
      SndInfo back = Info(in.msg.info.sid, in.msg.info.ppid + 1);
      co_await c.async_write_msg(std::span<const std::byte>(buf).first(in.msg.n), back, asio::use_awaitable);
      ++echoed;
    }
  };
  auto client = [&]() -> asio::awaitable<void> {
    AsioConn c(ctx.get_executor());
    co_await c.async_connect(EventDialer(), "sctp", target, asio::use_awaitable);
    std::array<std::byte, 2048> buf;
    MsgOrEvent up = co_await c.async_read_msg(buf, asio::use_awaitable);
    REQUIRE(AssocChange(up));
    CHECK(AssocChange(up)->state == AssocChangeState::kCommUp);
    for (std::uint32_t i = 0; i < kMsgs; ++i) {
      const std::string m = Pattern(10 + i % 500, i);
      const auto sid = static_cast<std::uint16_t>(i % 10);
      co_await c.async_write_msg(Bytes(m), Info(sid, 1000 + i), asio::use_awaitable);
      MsgOrEvent in = co_await c.async_read_msg(buf, asio::use_awaitable);
      REQUIRE_FALSE(in.IsEvent());
      REQUIRE(TextOf(buf, in) == m);
      REQUIRE(in.msg.info.sid == sid);
      REQUIRE(in.msg.info.ppid == 1001 + i);
      ++checked;
    }
    // Our SHUTDOWN: the peer sees SHUTDOWN_EVENT, both ends SHUTDOWN_COMP.
    MUST(c.next_layer().CloseWrite());
    for (;;) {
      auto [ec, in] = co_await c.async_read_msg(buf, asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) {
        CHECK(ec == Errc::kEndOfStream);
        break;
      }
      if (const auto* ac = AssocChange(in); ac && ac->state == AssocChangeState::kShutdownComp) client_comp = true;
    }
  };
  asio::co_spawn(ctx, server(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  RunCo(ctx, client());
  CHECK(checked == kMsgs);
  CHECK(echoed == kMsgs);
  CHECK(server_shutdown);
  CHECK(server_comp);
  CHECK(client_comp);
}

TEST_CASE("use_future: results arrive through std::future", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  std::array<std::byte, 256> buf;
  std::future<MsgOrEvent> read = p.server.async_read_msg(buf, asio::use_future);
  std::future<std::size_t> wrote = p.client.async_write_msg(Bytes("future"), Info(2, 60), asio::use_future);
  RunAll(ctx);
  REQUIRE(wrote.wait_for(0s) == std::future_status::ready);
  CHECK(wrote.get() == 6);
  REQUIRE(read.wait_for(0s) == std::future_status::ready);
  MsgOrEvent in = read.get();
  CHECK(TextOf(buf, in) == "future");
  CHECK(in.msg.info.sid == 2);

  // An error travels as the future's exception.
  AsioConn empty(ctx.get_executor());
  std::future<std::size_t> bad = empty.async_write_msg(Bytes("x"), asio::use_future);
  RunAll(ctx);
  try {
    (void)bad.get();
    FAIL("a write on an empty AsioConn succeeded");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::bad_file_descriptor);
  }
}

TEST_CASE("deferred: nothing happens until the operation is launched", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  std::array<std::byte, 256> buf;
  auto write = p.client.async_write_msg(Bytes("later"), Info(1, 60), asio::experimental::deferred);
  auto read = p.server.async_read_msg(buf, asio::experimental::deferred);
  RunAll(ctx);
  // Not launched: the message was never sent.
  CHECK_FALSE(Readable(p.server.native_handle(), 200ms));

  std::optional<std::size_t> n;
  std::optional<MsgOrEvent> in;
  std::move(write)([&](std::error_code ec, std::size_t k) {
    REQUIRE(ec == std::error_code{});
    n = k;
  });
  std::move(read)([&](std::error_code ec, MsgOrEvent m) {
    REQUIRE(ec == std::error_code{});
    in = m;
  });
  RunAll(ctx);
  CHECK(n == 5u);
  REQUIRE(in);
  CHECK(TextOf(buf, *in) == "later");
}

TEST_CASE("a pending read completes with COMM_LOST, then ECONNRESET, when the peer aborts", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  std::array<std::byte, 1024> buf;
  std::vector<std::error_code> errors;
  std::optional<AssocChangeState> state;
  p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent m) {
    errors.push_back(ec);
    if (const auto* ac = AssocChange(m)) state = ac->state;
  });
  asio::steady_timer abort_later(ctx, 100ms);
  abort_later.async_wait([&](std::error_code) {
    MUST(p.client.next_layer().SetLinger(0));
    MUST(p.client.close());
  });
  RunAll(ctx);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == std::error_code{});
  CHECK(state == AssocChangeState::kCommLost);

  for (int i = 0; i < 2; ++i) {
    std::optional<std::error_code> ec2;
    p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent) { ec2 = ec; });
    RunAll(ctx);
    CHECK(ec2 == std::errc::connection_reset);
  }
  std::optional<std::error_code> wec;
  p.server.async_write_msg(Bytes("x"), [&](std::error_code ec, std::size_t) { wec = ec; });
  RunAll(ctx);
  CHECK(wec == std::errc::connection_reset);
}

TEST_CASE("cancelling a pending read through its slot leaves the connection usable", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  std::array<std::byte, 256> buf;
  asio::cancellation_signal signal;
  std::optional<std::error_code> first;
  p.server.async_read_msg(buf, asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, MsgOrEvent) {
                            first = ec;
                          }));
  ctx.restart();
  ctx.run_for(50ms);
  REQUIRE_FALSE(first);  // still waiting: nothing was sent
  signal.emit(asio::cancellation_type::terminal);
  RunAll(ctx);
  CHECK(first == asio::error::operation_aborted);

  // The next read gets the next message, nothing lost, nothing duplicated.
  std::optional<MsgOrEvent> in;
  p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent m) {
    REQUIRE(ec == std::error_code{});
    in = m;
  });
  p.client.async_write_msg(Bytes("after cancel"), Info(4, 60), [](std::error_code ec, std::size_t) {
    REQUIRE(ec == std::error_code{});
  });
  RunAll(ctx);
  REQUIRE(in);
  CHECK(TextOf(buf, *in) == "after cancel");
  CHECK(in->msg.info.sid == 4);

  // cancel() aborts every waiting operation of the object the same way.
  std::optional<std::error_code> second;
  p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent) { second = ec; });
  ctx.restart();
  ctx.run_for(20ms);
  p.server.cancel();
  RunAll(ctx);
  CHECK(second == asio::error::operation_aborted);
}

TEST_CASE("a timer race times a read out; the connection still works", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    std::array<std::byte, 256> buf;
    asio::steady_timer timer(ctx);
    timer.expires_after(150ms);
    const auto t0 = Clock::now();
    auto r = co_await (p.server.async_read_msg(buf, asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
    CHECK(r.index() == 1);  // the timer won
    CHECK(Clock::now() - t0 >= 140ms);

    co_await p.client.async_write_msg(Bytes("in time"), Info(5, 60), asio::use_awaitable);
    timer.expires_after(5s);
    auto r2 = co_await (p.server.async_read_msg(buf, asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
    REQUIRE(r2.index() == 0);
    MsgOrEvent in = std::get<0>(r2);
    CHECK(TextOf(buf, in) == "in time");
    CHECK(in.msg.info.sid == 5);
  }());
}

TEST_CASE("async_connect: refused, and address errors", "[asio]") {
  asio::io_context ctx;
  // A port nobody listens on: listen, note it, stop.
  std::uint16_t port = 0;
  {
    auto l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    port = l.Addr().port;
  }
  AsioConn c(ctx.get_executor());
  std::optional<std::error_code> ec;
  c.async_connect(netsctp::Dialer{}, "sctp", HostPort("127.0.0.1", port), [&](std::error_code e) { ec = e; });
  RunAll(ctx);
  CHECK(ec == std::errc::connection_refused);
  CHECK_FALSE(c.is_open());

  // Address errors come back through the handler too.
  ec.reset();
  c.async_connect(netsctp::Dialer{}, "sctp", "127.0.0.1::5", [&](std::error_code e) { ec = e; });
  RunAll(ctx);
  CHECK(ec == Errc::kTooManyColons);
}

TEST_CASE("close() with a read and an accept pending aborts both; the descriptor is closed once", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  std::array<std::byte, 256> buf;
  std::optional<std::error_code> read_ec, accept_ec;
  p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent) { read_ec = ec; });
  p.acceptor.async_accept([&](std::error_code ec, AsioConn c) {
    accept_ec = ec;
    CHECK_FALSE(c.is_open());
  });
  ctx.restart();
  ctx.run_for(50ms);
  REQUIRE_FALSE(read_ec);
  REQUIRE_FALSE(accept_ec);
  const int sfd = p.server.native_handle();
  const int lfd = p.acceptor.native_handle();
  MUST(p.server.close());
  MUST(p.acceptor.close());
  CHECK_FALSE(p.server.is_open());
  CHECK(p.server.native_handle() == -1);
  CHECK_FALSE(FdOpen(sfd));
  CHECK_FALSE(FdOpen(lfd));
  RunAll(ctx);
  CHECK(read_ec == asio::error::operation_aborted);
  CHECK(accept_ec == asio::error::operation_aborted);

  // The client sees the graceful end.
  std::vector<std::error_code> seen;
  std::function<void()> next = [&] {
    p.client.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent) {
      seen.push_back(ec);
      if (!ec) next();
    });
  };
  next();
  RunAll(ctx);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back() == Errc::kEndOfStream);

  // release() hands the descriptor back open: Asio never closed it.
  const int cfd = p.client.native_handle();
  netsctp::SctpConn raw = p.client.release();
  CHECK(raw.fd() == cfd);
  CHECK(FdOpen(cfd));
  CHECK_FALSE(p.client.is_open());
  MUST(raw.Close());
  CHECK_FALSE(FdOpen(cfd));
}

TEST_CASE("writes that wait for send buffer space complete once the peer reads", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  MUST(p.client.next_layer().SetWriteBufferSize(8192));
  constexpr int kMsgs = 200;
  int sent = 0, read = 0, sent_before_reading = -1;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < kMsgs; ++i) {
      const std::string m = Pattern(4000, static_cast<unsigned>(i));
      co_await p.client.async_write_msg(Bytes(m), Info(0, 60), asio::use_awaitable);
      ++sent;
    }
  }, asio::detached);
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    asio::steady_timer t(ctx, 300ms);
    co_await t.async_wait(asio::use_awaitable);
    sent_before_reading = sent;  // the writer is stuck on a full buffer by now
    std::array<std::byte, 8192> buf;
    while (read < kMsgs) {
      MsgOrEvent in = co_await p.server.async_read_msg(buf, asio::use_awaitable);
      REQUIRE_FALSE(in.IsEvent());
      REQUIRE(TextOf(buf, in) == Pattern(4000, static_cast<unsigned>(read)));
      ++read;
    }
  }());
  INFO("messages sent before the reader started: " << sent_before_reading);
  CHECK(sent_before_reading > 0);
  CHECK(sent_before_reading < kMsgs);
  CHECK(sent == kMsgs);
  CHECK(read == kMsgs);
}

TEST_CASE("a large message delivered in pieces arrives whole through async_read_msg", "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  // Hand messages over from 4 KiB on, so the pieces come while the rest is on its way.
  const std::uint32_t pd_point = 4096;
  REQUIRE(::setsockopt(p.server.native_handle(), IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &pd_point,
                       sizeof pd_point) == 0);
  std::vector<std::byte> buf(1 << 20);
  for (unsigned round = 0; round < 3; ++round) {
    const std::string big = Pattern(300 * 1024 + round, round);
    std::optional<MsgOrEvent> in;
    p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent m) {
      REQUIRE(ec == std::error_code{});
      in = m;
    });
    p.client.async_write_msg(Bytes(big), Info(1, 60), [](std::error_code ec, std::size_t) {
      REQUIRE(ec == std::error_code{});
    });
    RunAll(ctx);
    REQUIRE(in);
    REQUIRE_FALSE(in->IsEvent());
    CHECK(in->msg.Eor());
    CHECK(in->msg.info.sid == 1);
    CHECK(in->msg.n == big.size());
    CHECK(TextOf(buf, *in) == big);
  }
}

TEST_CASE("cancelling a write that waits for buffer space: nothing half-sent, the connection stays usable",
          "[asio]") {
  asio::io_context ctx;
  auto p = Connect(ctx);
  MUST(p.client.next_layer().SetWriteBufferSize(8192));
  // Fill the send buffer while the peer reads nothing, so the next write waits.
  int accepted = 0;
  for (;;) {
    std::optional<std::error_code> ec;
    asio::cancellation_signal fill;
    const std::string m = Pattern(4000, static_cast<unsigned>(accepted));
    p.client.async_write_msg(Bytes(m), Info(0, 60),
                             asio::bind_cancellation_slot(fill.slot(), [&](std::error_code e, std::size_t) { ec = e; }));
    ctx.restart();
    ctx.run_for(100ms);
    if (!ec) {  // waiting: this is the write to cancel
      fill.emit(asio::cancellation_type::terminal);
      RunAll(ctx);
      REQUIRE(ec == asio::error::operation_aborted);
      break;
    }
    REQUIRE(*ec == std::error_code{});
    ++accepted;
    REQUIRE(accepted < 1000);
  }
  REQUIRE(accepted > 0);
  // The peer gets exactly the messages whose writes completed, then the one
  // sent after the cancellation: the cancelled message never went out.
  std::optional<std::error_code> after;
  p.client.async_write_msg(Bytes("after cancel"), Info(1, 60), [&](std::error_code e, std::size_t) { after = e; });
  std::array<std::byte, 8192> buf;
  int read = 0;
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    for (;;) {
      MsgOrEvent in = co_await p.server.async_read_msg(buf, asio::use_awaitable);
      REQUIRE_FALSE(in.IsEvent());
      if (in.msg.info.sid == 1) {
        REQUIRE(TextOf(buf, in) == "after cancel");
        co_return;
      }
      REQUIRE(TextOf(buf, in) == Pattern(4000, static_cast<unsigned>(read)));
      ++read;
    }
  }());
  CHECK(read == accepted);
  CHECK(after == std::error_code{});
}

TEST_CASE("cancelling a dial in progress ends it with operation_aborted and leaves the object closed", "[asio]") {
  PrivateNetwork();
  Sh("ip link show bh0 >/dev/null 2>&1 || { ip link add bh0 type dummy && ip link set bh0 up && "
     "ip addr add 198.18.0.1/32 dev bh0 && ip route add 198.19.0.0/16 dev bh0; }");
  asio::io_context ctx;
  AsioConn c(ctx.get_executor());
  asio::cancellation_signal signal;
  std::optional<std::error_code> ec;
  c.async_connect(netsctp::Dialer{}, "sctp", "198.19.0.9:38412",
                  asio::bind_cancellation_slot(signal.slot(), [&](std::error_code e) { ec = e; }));
  ctx.restart();
  ctx.run_for(300ms);
  REQUIRE_FALSE(ec);  // the INIT goes unanswered: still starting
  signal.emit(asio::cancellation_type::terminal);
  RunAll(ctx);
  CHECK(ec == asio::error::operation_aborted);
  CHECK_FALSE(c.is_open());
}

TEST_CASE("a steady exchange through the adapter allocates nothing per message", "[asio]") {
  // Everything runs on this thread, so the counter sees the adapter's and
  // Asio's allocations alike (Asio recycles its operation memory per thread).
  asio::io_context ctx;
  auto p = Connect(ctx);
  std::array<std::byte, 1024> buf;
  const std::string payload = "steady";
  int done = 0;
  std::function<void()> round = [&] {
    p.client.async_write_msg(Bytes(payload), Info(1, 60), [&](std::error_code ec, std::size_t) {
      REQUIRE(ec == std::error_code{});
    });
    p.server.async_read_msg(buf, [&](std::error_code ec, MsgOrEvent in) {
      REQUIRE(ec == std::error_code{});
      REQUIRE(TextOf(buf, in) == payload);
      ++done;
    });
  };
  for (int i = 0; i < 20; ++i) {  // warm up: reactor registration, recycled blocks
    round();
    RunAll(ctx);
  }
  alloc_count::Start();  // the counter works here: a string on the heap counts
  std::string* volatile probe = new std::string(200, 'x');
  delete probe;
  REQUIRE(alloc_count::Stop() >= 1);
  alloc_count::Start();
  for (int i = 0; i < 100; ++i) {
    round();
    RunAll(ctx);
  }
  const long n = alloc_count::Stop();
  CHECK(done == 120);
  INFO("allocations in 100 round trips: " << n);
  CHECK(n == 0);
}
