// AsioEndpoint (netsctp/asio.h over a one-to-many SctpEndpoint) against the
// real kernel: an echo server serving several SctpConn clients at once with
// every reply routed back by association id (stream and PPID kept), COMM_UP
// events carrying the ids that data then arrives with, an association
// started implicitly by async_send_to from an endpoint that does not listen,
// cancellation (slot, cancel(), close()) of a waiting read with the endpoint
// usable afterwards, and a write to an association id the endpoint does not
// have.
//
// Built into asio_test with test/kernel/asio_test.cc; run:
//   tools/sctp-lab run --timeout 110 -- asio_test -r cases '[asio_endpoint]'
//
// Everything runs on the test's thread (io_context::run_for; the clients are
// blocking SctpConns used only between runs), so Catch assertions may sit
// inside handlers and coroutines.
#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "helpers.h"
#include "netsctp/asio.h"
#include "netsctp/endpoint.h"
#include "netsctp/event.h"

using namespace ktest;
using netsctp::AsioEndpoint;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::EndpointMsg;
using netsctp::Errc;
using netsctp::SndInfo;

namespace {

constexpr auto kLimit = 10s;  // no scenario waits longer than this

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

// An endpoint on 127.0.0.1 (a port of the kernel's choosing) served by `ctx`;
// `listen` false: it only starts associations (Connect, SendTo).
AsioEndpoint OpenOn(asio::io_context& ctx, bool listen = true) {
  netsctp::EndpointConfig cfg;
  cfg.listen = listen;
  return MUST(AsioEndpoint::Wrap(ctx.get_executor(), MUST(cfg.Open("sctp", "127.0.0.1:0"))));
}

std::uint16_t PortOf(const AsioEndpoint& e) { return e.endpoint().Addr().port; }

// A one-to-one client associated with `port` on 127.0.0.1 (blocking dial:
// the kernel completes the handshake without the endpoint's reader).
netsctp::SctpConn DialTo(std::uint16_t port) {
  netsctp::Dialer d;
  d.timeout = 10s;
  return MUST(d.Dial("sctp", HostPort("127.0.0.1", port)));
}

SndInfo Info(std::uint16_t sid, std::uint32_t ppid, std::int32_t assoc_id = 0) {
  SndInfo i;
  i.sid = sid;
  i.ppid = ppid;
  i.assoc_id = assoc_id;
  return i;
}

std::string TextOf(std::span<const std::byte> buf, const EndpointMsg& m) { return Text(buf.first(m.msg.n)); }

const AssocChangeEvent* AssocChange(const EndpointMsg& m) {
  return m.IsEvent() ? std::get_if<AssocChangeEvent>(&*m.event) : nullptr;
}

bool IsCommUp(const EndpointMsg& m) {
  const auto* ac = AssocChange(m);
  return ac != nullptr && ac->state == AssocChangeState::kCommUp;
}

// The next data message on `ep`, skipping events; COMM_UP ids are appended to `up`.
asio::awaitable<EndpointMsg> NextData(AsioEndpoint& ep, std::span<std::byte> buf, std::vector<std::int32_t>& up) {
  for (;;) {
    EndpointMsg in = co_await ep.async_read_msg(buf, asio::use_awaitable);
    if (!in.IsEvent()) co_return in;
    if (IsCommUp(in)) {
      CHECK(in.assoc_id == AssocChange(in)->assoc_id);
      up.push_back(in.assoc_id);
    }
  }
}

// What a client sent or got back (stream, PPID, payload) as one string, so
// that a mismatch prints readably.
std::string Sent(std::uint16_t sid, std::uint32_t ppid, const std::string& data) {
  return "sid " + std::to_string(sid) + " ppid " + std::to_string(ppid) + ": " + data;
}

}  // namespace

TEST_CASE("endpoint echo server: several clients at once, each reply routed back by association id",
          "[asio][asio_endpoint]") {
  asio::io_context ctx;
  AsioEndpoint server = OpenOn(ctx);
  constexpr std::size_t kClients = 4;
  constexpr int kMsgs = 25;
  std::vector<netsctp::SctpConn> clients;
  for (std::size_t k = 0; k < kClients; ++k) clients.push_back(DialTo(PortOf(server)));

  // Every client has messages in flight before the server reads any: the
  // server sees them interleaved across the associations.
  std::vector<std::vector<std::string>> sent(kClients);
  for (int i = 0; i < kMsgs; ++i) {
    for (std::size_t k = 0; k < kClients; ++k) {
      const std::string m = "client " + std::to_string(k) + " message " + std::to_string(i) + ' ' +
                            Pattern(20 + (static_cast<std::size_t>(i) * 37 + k * 11) % 400, static_cast<unsigned>(k));
      const auto sid = static_cast<std::uint16_t>((static_cast<std::size_t>(i) + k) % 10);
      const auto ppid = static_cast<std::uint32_t>(1000 * (k + 1) + static_cast<std::size_t>(i));
      Send(clients[k], m, sid, ppid);
      sent[k].push_back(Sent(sid, ppid, m));
    }
  }

  int echoed = 0;
  std::vector<std::int32_t> up;
  std::set<std::int32_t> data_ids;
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    std::array<std::byte, 2048> buf;
    while (echoed < static_cast<int>(kClients) * kMsgs) {
      EndpointMsg in = co_await NextData(server, buf, up);
      REQUIRE(in.msg.has_info);
      REQUIRE(in.assoc_id == in.msg.info.assoc_id);
      data_ids.insert(in.assoc_id);
      const std::size_t n = co_await server.async_write_msg(
          std::span<const std::byte>(buf).first(in.msg.n), Info(in.msg.info.sid, in.msg.info.ppid, in.assoc_id),
          asio::use_awaitable);
      REQUIRE(n == in.msg.n);
      ++echoed;
    }
  }());
  CHECK(echoed == static_cast<int>(kClients) * kMsgs);
  CHECK(data_ids.size() == kClients);

  // Each client gets back exactly what it sent, with its stream and PPID,
  // and nothing of the others'.
  for (std::size_t k = 0; k < kClients; ++k) {
    INFO("client " << k);
    std::vector<std::string> got;
    for (int i = 0; i < kMsgs; ++i) {
      Received r = Recv(clients[k], 4096);
      REQUIRE(r.msg.has_info);
      got.push_back(Sent(r.msg.info.sid, r.msg.info.ppid, r.data));
    }
    CHECK_FALSE(Readable(clients[k].fd(), 100ms));
    std::vector<std::string> want = sent[k];
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}

TEST_CASE("endpoint COMM_UP events carry the association ids that data arrives with", "[asio][asio_endpoint]") {
  asio::io_context ctx;
  AsioEndpoint server = OpenOn(ctx);
  constexpr std::size_t kClients = 3;
  std::vector<netsctp::SctpConn> clients;
  for (std::size_t k = 0; k < kClients; ++k) clients.push_back(DialTo(PortOf(server)));
  for (std::size_t k = 0; k < kClients; ++k) Send(clients[k], "I am client " + std::to_string(k), 1, 60);

  std::vector<std::int32_t> up;
  std::map<std::string, EndpointMsg> data;  // by payload
  std::map<std::int32_t, std::uint16_t> outbound;  // COMM_UP's negotiated streams, by id
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    std::array<std::byte, 1024> buf;
    while (up.size() < kClients || data.size() < kClients) {
      EndpointMsg in = co_await server.async_read_msg(buf, asio::use_awaitable);
      if (IsCommUp(in)) {
        const AssocChangeEvent& ac = *AssocChange(in);
        CHECK(in.assoc_id == ac.assoc_id);
        up.push_back(ac.assoc_id);
        outbound[ac.assoc_id] = ac.outbound_streams;
      } else if (!in.IsEvent()) {
        data.emplace(TextOf(buf, in), in);
      }
    }
  }());

  REQUIRE(up.size() == kClients);
  CHECK(std::set<std::int32_t>(up.begin(), up.end()).size() == up.size());  // one id per association
  std::set<std::int32_t> seen;
  for (std::size_t k = 0; k < kClients; ++k) {
    INFO("client " << k);
    auto it = data.find("I am client " + std::to_string(k));
    REQUIRE(it != data.end());
    const EndpointMsg& m = it->second;
    // The id on the data is one COMM_UP announced, and it is this client's:
    // the kernel finds the same association from the client's address.
    CHECK(std::find(up.begin(), up.end(), m.assoc_id) != up.end());
    CHECK(m.port == clients[k].LocalAddr().port);
    CHECK(HostText(m.from) == "127.0.0.1");
    CHECK(MUST(server.endpoint().FindAssoc(m.from, m.port)) == m.assoc_id);
    CHECK(m.msg.info.sid == 1);
    CHECK(m.msg.info.ppid == 60);
    CHECK(outbound[m.assoc_id] > 0);
    // The id works for the association's options.
    auto opts = MUST(server.endpoint().Assoc(m.assoc_id));
    CHECK(MUST(opts.PeerAddrs()).port == clients[k].LocalAddr().port);
    seen.insert(m.assoc_id);
  }
  CHECK(seen.size() == kClients);
}

TEST_CASE("async_send_to from an endpoint that does not listen starts an association implicitly",
          "[asio][asio_endpoint]") {
  asio::io_context ctx;
  AsioEndpoint server = OpenOn(ctx);
  AsioEndpoint client = OpenOn(ctx, false);
  REQUIRE(MUST(client.endpoint().Assocs()).empty());

  const netsctp::SctpAddr dest{{Ip("127.0.0.1")}, PortOf(server)};
  std::optional<std::error_code> sent_ec;
  std::size_t sent_n = 0;
  client.async_send_to(Bytes("hello"), dest, Info(2, 77), [&](std::error_code ec, std::size_t n) {
    sent_ec = ec;
    sent_n = n;
  });
  REQUIRE_FALSE(sent_ec);  // never inside the initiating call
  RunAll(ctx);
  REQUIRE(sent_ec == std::error_code{});
  CHECK(sent_n == 5u);

  std::vector<std::int32_t> server_up, client_up;
  std::int32_t server_id = 0;
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    std::array<std::byte, 1024> buf;
    // The message that started the association arrives on it, as sent.
    EndpointMsg in = co_await NextData(server, buf, server_up);
    REQUIRE(server_up.size() == 1);
    CHECK(TextOf(buf, in) == "hello");
    CHECK(in.msg.info.sid == 2);
    CHECK(in.msg.info.ppid == 77);
    CHECK(in.assoc_id == server_up[0]);
    server_id = in.assoc_id;
    co_await server.async_write_msg(Bytes("world"), Info(3, 78, in.assoc_id), asio::use_awaitable);

    // The client learns the association's id from its COMM_UP; the reply comes on it.
    EndpointMsg back = co_await NextData(client, buf, client_up);
    REQUIRE(client_up.size() == 1);
    CHECK(TextOf(buf, back) == "world");
    CHECK(back.msg.info.sid == 3);
    CHECK(back.msg.info.ppid == 78);
    CHECK(back.assoc_id == client_up[0]);
    CHECK(back.port == PortOf(server));

    // A second send to the same destination goes on the same association.
    const std::size_t n = co_await client.async_send_to(Bytes("again"), dest, Info(4, 79), asio::use_awaitable);
    CHECK(n == 5u);
    EndpointMsg again = co_await NextData(server, buf, server_up);
    CHECK(TextOf(buf, again) == "again");
    CHECK(again.msg.info.sid == 4);
    CHECK(again.assoc_id == server_id);
    CHECK(server_up.size() == 1);  // no second COMM_UP
  }());
  REQUIRE(client_up.size() == 1);
  CHECK(MUST(client.endpoint().FindAssoc(Ip("127.0.0.1"), PortOf(server))) == client_up[0]);
  CHECK(MUST(client.endpoint().Assocs()) == std::vector<std::int32_t>{client_up[0]});
}

TEST_CASE("cancelling a waiting async_read_msg on an endpoint: operation_aborted, the endpoint stays usable",
          "[asio][asio_endpoint]") {
  asio::io_context ctx;
  AsioEndpoint server = OpenOn(ctx);
  std::array<std::byte, 1024> buf;

  // Through the operation's cancellation slot.
  asio::cancellation_signal signal;
  std::optional<std::error_code> first;
  server.async_read_msg(buf, asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, EndpointMsg) {
                          first = ec;
                        }));
  ctx.restart();
  ctx.run_for(50ms);
  REQUIRE_FALSE(first);  // still waiting: no association yet
  signal.emit(asio::cancellation_type::terminal);
  RunAll(ctx);
  CHECK(first == asio::error::operation_aborted);

  // The endpoint still serves: a new association and its message arrive.
  netsctp::SctpConn c = DialTo(PortOf(server));
  Send(c, "after cancel", 4, 60);
  std::vector<std::int32_t> up;
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    EndpointMsg in = co_await NextData(server, buf, up);
    CHECK(TextOf(buf, in) == "after cancel");
    CHECK(in.msg.info.sid == 4);
    CHECK(up == std::vector<std::int32_t>{in.assoc_id});
  }());

  // cancel() aborts every waiting operation the same way; nothing is lost.
  std::optional<std::error_code> second;
  server.async_read_msg(buf, [&](std::error_code ec, EndpointMsg) { second = ec; });
  ctx.restart();
  ctx.run_for(20ms);
  REQUIRE_FALSE(second);
  server.cancel();
  RunAll(ctx);
  CHECK(second == asio::error::operation_aborted);
  Send(c, "after cancel()", 5, 60);
  RunCo(ctx, [&]() -> asio::awaitable<void> {
    EndpointMsg in = co_await NextData(server, buf, up);
    CHECK(TextOf(buf, in) == "after cancel()");
    CHECK(in.msg.info.sid == 5);
  }());

  // close() with a read waiting: aborted, the descriptor closed (once, by
  // netsctp), and the client sees its association end.
  std::optional<std::error_code> third;
  server.async_read_msg(buf, [&](std::error_code ec, EndpointMsg) { third = ec; });
  ctx.restart();
  ctx.run_for(20ms);
  REQUIRE_FALSE(third);
  const int fd = server.native_handle();
  MUST(server.close());
  CHECK_FALSE(server.is_open());
  CHECK(server.native_handle() == -1);
  CHECK_FALSE(FdOpen(fd));
  RunAll(ctx);
  CHECK(third == asio::error::operation_aborted);
  CHECK(ReadError(c) == Errc::kEndOfStream);

  // A closed endpoint answers every operation with bad_file_descriptor.
  std::optional<std::error_code> closed;
  server.async_read_msg(buf, [&](std::error_code ec, EndpointMsg) { closed = ec; });
  RunAll(ctx);
  CHECK(closed == std::errc::bad_file_descriptor);
}

TEST_CASE("an endpoint write to an association id it does not have completes with Errc::kUnknownAssoc",
          "[asio][asio_endpoint]") {
  asio::io_context ctx;
  AsioEndpoint server = OpenOn(ctx);
  netsctp::SctpConn c = DialTo(PortOf(server));
  const std::int32_t id = MUST(server.endpoint().FindAssoc(Ip("127.0.0.1"), c.LocalAddr().port));
  REQUIRE(id != 0);

  std::optional<std::error_code> bad;
  server.async_write_msg(Bytes("lost"), Info(0, 60, id + 1000), [&](std::error_code ec, std::size_t n) {
    bad = ec;
    CHECK(n == 0u);
  });
  RunAll(ctx);
  CHECK(bad == Errc::kUnknownAssoc);

  // The endpoint and the real association are unharmed; the client got only this.
  std::optional<std::error_code> good;
  server.async_write_msg(Bytes("found"), Info(2, 61, id), [&](std::error_code ec, std::size_t n) {
    good = ec;
    CHECK(n == 5u);
  });
  RunAll(ctx);
  CHECK(good == std::error_code{});
  Received r = Recv(c, 1024);
  CHECK(r.data == "found");
  CHECK(r.msg.info.sid == 2);
  CHECK(r.msg.info.ppid == 61);

  // An empty AsioEndpoint: bad_file_descriptor, through the handler too.
  AsioEndpoint empty(ctx.get_executor());
  CHECK_FALSE(empty.is_open());
  std::optional<std::error_code> none;
  empty.async_write_msg(Bytes("x"), Info(0, 0, id), [&](std::error_code ec, std::size_t) { none = ec; });
  RunAll(ctx);
  CHECK(none == std::errc::bad_file_descriptor);
}
