// Closing on the user's terms: Abort (with a reason where Linux carries one)
// and CloseWithin (graceful up to a limit, then ABORT), against the real
// kernel; the dead-link case uses namespaces a and b (sctp-lab run --net a-b).
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <chrono>
#include <string>
#include <vector>

#include "helpers.h"
#include "netsctp/endpoint.h"
#include "netsctp/event.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::SctpConn;
using CloseOutcome = netsctp::SctpConn::CloseOutcome;

namespace {

// The next ASSOC_CHANGE event on `c` (data is skipped); fails on timeout.
netsctp::AssocChangeEvent NextAssocChange(SctpConn& c, std::vector<std::byte>& buf) {
  const auto end = Clock::now() + 10s;
  for (;;) {
    REQUIRE(Clock::now() < end);
    MUST(c.SetReadDeadline(end));
    auto in = c.ReadMsgOrEvent(buf);
    INFO("read: " << MessageOf(in));
    REQUIRE(in.has_value());
    if (in->event) {
      if (auto* ac = std::get_if<netsctp::AssocChangeEvent>(&*in->event)) return *ac;
    }
  }
}

}  // namespace

TEST_CASE("CloseWithin on a healthy link: everything sent arrives, the SHUTDOWN completes, kGraceful") {
  Pair p = Connect();
  const std::string block = Pattern(1024);
  for (int i = 0; i < 200; ++i) Send(p.client, block + std::to_string(i));
  const int fd = p.client.fd();
  CHECK(MUST(p.client.CloseWithin(5s)) == CloseOutcome::kGraceful);
  CHECK_FALSE(p.client.IsOpen());
  CHECK_FALSE(FdOpen(fd));
  for (int i = 0; i < 200; ++i) {
    Received r = Recv(p.server);
    REQUIRE(r.data == block + std::to_string(i));
  }
  CHECK(ReadError(p.server) == Errc::kEndOfStream);
}

TEST_CASE("CloseWithin on a dead link: ABORT once the limit passes, kAborted") {
  RequireTopology();
  netsctp::ListenConfig lc;
  netsctp::SctpListener l = MUST(InNetns("b", [&] { return lc.Listen("sctp4", "192.0.2.2:0"); }));
  netsctp::Dialer d;
  d.timeout = 10s;
  SctpConn c = MUST(InNetns("a", [&] { return d.Dial("sctp4", HostPort("192.0.2.2", l.Addr().port)); }));
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  LinkGuard guard{LabTool(), 1};
  LabNet("impair 1 loss 100%");
  Send(c, "never acknowledged");
  const auto t0 = Clock::now();
  CHECK(MUST(c.CloseWithin(1500ms)) == CloseOutcome::kAborted);
  const long long ms = MsSince(t0);
  CHECK(ms >= 1400);
  CHECK(ms < 5000);
  CHECK_FALSE(c.IsOpen());
  // Once the link works again the server learns of the ABORT only by its own
  // retransmissions or heartbeats; the client side is gone for good.
  LabNet("impair 1 off");
}

TEST_CASE("CloseWithin after the peer aborted reports why instead of an outcome") {
  Pair p = Connect();
  MUST(p.server.SetLinger(0));
  MUST(p.server.Close());
  std::this_thread::sleep_for(200ms);
  auto r = p.client.CloseWithin(2s);
  CHECK(ErrOf(r) == std::errc::connection_reset);
  CHECK_FALSE(p.client.IsOpen());
}

TEST_CASE("Abort on a one-to-one connection: ABORT at once, pending data dropped, no reason carried") {
  Pair p = Connect();
  MUST(p.client.SetNoDelay(false));
  CHECK(MUST(p.client.Abort(Bytes("cannot travel here"))) == false);
  CHECK_FALSE(p.client.IsOpen());
  CHECK(ReadError(p.server) == std::errc::connection_reset);
  CHECK(ErrOf(p.client.Abort()) == std::errc::bad_file_descriptor);
}

TEST_CASE("Abort with a reason on a connection peeled off an endpoint: the peer reads it") {
  netsctp::SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  netsctp::Dialer d;
  d.timeout = 10s;
  d.events = {EventType::kAssocChange};
  SctpConn client = MUST(d.Dial("sctp4", HostPort("127.0.0.1", ep.Addr().port)));
  std::vector<std::byte> buf(4096);
  CHECK(NextAssocChange(client, buf).state == netsctp::AssocChangeState::kCommUp);
  // Wait until the endpoint has the association, then peel it off.
  std::int32_t id = 0;
  const auto end = Clock::now() + 10s;
  while (id == 0 && Clock::now() < end) {
    auto found = ep.FindAssoc(Ip("127.0.0.1"), client.LocalAddr().port);
    if (found) id = *found;
    else std::this_thread::sleep_for(20ms);
  }
  REQUIRE(id != 0);
  SctpConn peeled = MUST(ep.PeelOff(id));
  CHECK(MUST(peeled.Abort(Bytes("maintenance"))) == true);
  const netsctp::AssocChangeEvent lost = NextAssocChange(client, buf);
  CHECK(lost.state == netsctp::AssocChangeState::kCommLost);
  CHECK(lost.error == netsctp::CauseCode::kUserAbort);
  auto cause = lost.AbortCause();
  REQUIRE(cause.has_value());
  CHECK(Text(cause->info) == "maintenance");
}
