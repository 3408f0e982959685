// Stream reconfiguration (RFC 6525), stream schedulers and user message
// interleaving (RFC 8260) against the real kernel: AssocOptions' calls, the
// events on both ends, and their effect on the traffic (sequence numbers that
// start again, new streams that carry data, a small message that overtakes a
// large one). Runs with net.sctp.reconf_enable=1 and net.sctp.intl_enable=1
// (test/meson.build); one case turns reconfiguration off per socket.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "events_helpers.h"
#include "helpers.h"
#include "netsctp/assoc.h"
#include "netsctp/endpoint.h"

using namespace std::chrono_literals;
using evtest::EventReader;
using ktest::Bytes;
using ktest::MessageOf;
using netsctp::AssocOptions;
using netsctp::EventType;
using netsctp::ResetRequests;
using netsctp::Scheduler;
using netsctp::SctpConn;
using netsctp::StreamDir;
using netsctp::StreamResetEvent;
using netsctp::StreamResetFlags;

namespace {

// A control hook running `f` on the view of a socket not yet connected.
template <typename F>
netsctp::ControlHook Hook(F f) {
  return [f](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    return f(AssocOptions(fd, 0, 0));
  };
}

// Both ends accept (and may send) every kind of request; `reconfig` false
// turns RE-CONFIG off on both sockets despite the sysctl.
ktest::PairOptions Reconf(bool reconfig = true, bool server_accepts = true) {
  evtest::RequireSysctl("net.sctp.reconf_enable", "1");
  ktest::PairOptions o;
  o.dialer.control = Hook([reconfig](AssocOptions a) -> netsctp::Result<void> {
    if (!reconfig) {
      if (auto r = a.SetReconfigSupported(false); !r) return r;
    }
    return a.SetStreamResetEnabled(ResetRequests::kAll);
  });
  o.listen_config.control = Hook([reconfig, server_accepts](AssocOptions a) -> netsctp::Result<void> {
    if (!reconfig) {
      if (auto r = a.SetReconfigSupported(false); !r) return r;
    }
    return a.SetStreamResetEnabled(server_accepts ? ResetRequests::kAll : ResetRequests::kNone);
  });
  return o;
}

void SubscribeReconf(SctpConn& c) {
  MUST(c.Subscribe({EventType::kStreamReset, EventType::kAssocReset, EventType::kStreamChange}));
}

std::vector<std::uint16_t> Streams(const StreamResetEvent& e) { return {e.streams.begin(), e.streams.end()}; }

// The STREAM_RESET event with exactly `flags` and `streams` (empty: all).
evtest::OwnedEvent ExpectReset(EventReader& r, StreamResetFlags flags, std::vector<std::uint16_t> streams) {
  INFO("expecting STREAM_RESET flags " << static_cast<int>(flags) << " on " << streams.size() << " streams");
  return r.Expect<StreamResetEvent>(
      [&](const StreamResetEvent& e) { return e.flags == flags && Streams(e) == streams; });
}

// Reads data through `r` until `n` messages in all have arrived.
void ExpectData(EventReader& r, std::size_t n) {
  const auto end = ktest::Clock::now() + 10s;
  while (r.data().size() < n && ktest::Clock::now() < end) (void)r.Next(1s, /*skip_data=*/false);
  if (r.data().size() < n) FAIL("only " << r.data().size() << " of " << n << " messages; " << r.Log());
}

// The SSN of data message `i` as read by `r` (checking it came on `sid` with `text`).
std::uint16_t SsnOf(const EventReader& r, std::size_t i, std::uint16_t sid, const std::string& text) {
  const netsctp::Message& m = r.data_info().at(i);
  REQUIRE(m.has_info);
  CHECK(m.info.sid == sid);
  CHECK(r.data().at(i) == text);
  return m.info.ssn;
}

// Writes "<tag>" on each of `sids` and checks the SSNs the peer reports.
void SendAndCheckSsn(SctpConn& from, EventReader& to, const std::vector<std::uint16_t>& sids,
                     const std::vector<std::uint16_t>& want_ssn, const std::string& tag) {
  const std::size_t base = to.data().size();
  for (std::uint16_t sid : sids) ktest::Send(from, tag + std::to_string(sid), sid);
  ExpectData(to, base + sids.size());
  for (std::size_t i = 0; i < sids.size(); ++i) {
    INFO(tag << " on stream " << sids[i]);
    CHECK(SsnOf(to, base + i, sids[i], tag + std::to_string(sids[i])) == want_ssn[i]);
  }
}

}  // namespace

TEST_CASE("reconfiguration is agreed and enabled as asked", "[streams]") {
  auto p = ktest::Connect(Reconf());
  CHECK(MUST(p.client.Options().ReconfigSupported()));
  CHECK(MUST(p.server.Options().ReconfigSupported()));
  CHECK(MUST(p.client.Options().StreamResetEnabled()) == ResetRequests::kAll);
  CHECK(MUST(p.server.Options().StreamResetEnabled()) == ResetRequests::kAll);
  MUST(p.client.Options().SetStreamResetEnabled(ResetRequests::kStreams | ResetRequests::kAddStreams));
  CHECK(MUST(p.client.Options().StreamResetEnabled()) == (ResetRequests::kStreams | ResetRequests::kAddStreams));
  // Without the association-reset bit this end may not ask for one.
  auto r = p.client.Options().ResetAssoc();
  CHECK(ktest::ErrOf(r) == std::errc::no_protocol_option);
  CHECK_THAT(MessageOf(r), Catch::Contains("SetStreamResetEnabled"));
}

TEST_CASE("without RE-CONFIG on both ends, a reset fails with a clear error", "[streams]") {
  auto p = ktest::Connect(Reconf(/*reconfig=*/false));
  CHECK_FALSE(MUST(p.client.Options().ReconfigSupported()));
  const std::array<std::uint16_t, 1> one{1};
  auto r = p.client.Options().ResetStreams(StreamDir::kOutgoing, one);
  INFO(MessageOf(r));
  CHECK(ktest::ErrOf(r) == std::errc::no_protocol_option);
  CHECK_THAT(MessageOf(r), Catch::Contains("net.sctp.reconf_enable") && Catch::Contains("SetReconfigSupported"));
  CHECK(ktest::ErrOf(p.client.Options().AddStreams(1, 0)) == std::errc::no_protocol_option);
  CHECK(ktest::ErrOf(p.client.Options().ResetAssoc()) == std::errc::no_protocol_option);
  // The association still works.
  ktest::Send(p.client, "still here", 1);
  CHECK(ktest::Recv(p.server).data == "still here");
}

TEST_CASE("stream resets restart the sequence numbers, with events on both ends", "[streams]") {
  auto p = ktest::Connect(Reconf());
  SubscribeReconf(p.client);
  SubscribeReconf(p.server);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  const auto in = StreamResetFlags::kIncoming;
  const auto out = StreamResetFlags::kOutgoing;

  // Two messages each way on streams 1, 2 and 3: SSNs 0 and 1.
  SendAndCheckSsn(p.client, server, {1, 2, 3, 1, 2, 3}, {0, 0, 0, 1, 1, 1}, "c");
  SendAndCheckSsn(p.server, client, {1, 2, 3, 1, 2, 3}, {0, 0, 0, 1, 1, 1}, "s");

  SECTION("outgoing") {
    const std::array<std::uint16_t, 2> sids{1, 2};
    MUST(p.client.Options().ResetStreams(StreamDir::kOutgoing, sids));
    ExpectReset(client, out, {1, 2});
    ExpectReset(server, in, {1, 2});
    // Reset streams start again at 0; stream 3 and the other direction go on.
    SendAndCheckSsn(p.client, server, {1, 2, 3}, {0, 0, 2}, "after");
    SendAndCheckSsn(p.server, client, {1, 2, 3}, {2, 2, 2}, "back");
  }
  SECTION("incoming: the peer resets its outgoing side") {
    const std::array<std::uint16_t, 1> sids{3};
    MUST(p.client.Options().ResetStreams(StreamDir::kIncoming, sids));
    ExpectReset(server, out, {3});
    ExpectReset(client, in, {3});
    SendAndCheckSsn(p.server, client, {1, 3}, {2, 0}, "after");
    SendAndCheckSsn(p.client, server, {1, 3}, {2, 2}, "fwd");
  }
  SECTION("both directions") {
    const std::array<std::uint16_t, 1> sids{2};
    MUST(p.client.Options().ResetStreams(StreamDir::kBoth, sids));
    // Each direction is reported on each end (one event per direction).
    ExpectReset(client, out, {2});
    ExpectReset(server, in, {2});
    ExpectReset(server, out, {2});
    ExpectReset(client, in, {2});
    SendAndCheckSsn(p.client, server, {1, 2}, {2, 0}, "after");
    SendAndCheckSsn(p.server, client, {1, 2}, {2, 0}, "back");
  }
  SECTION("all outgoing streams (empty list)") {
    MUST(p.client.Options().ResetStreams(StreamDir::kOutgoing));
    ExpectReset(client, out, {});
    ExpectReset(server, in, {});
    SendAndCheckSsn(p.client, server, {1, 2, 3}, {0, 0, 0}, "after");
    SendAndCheckSsn(p.server, client, {1}, {2}, "back");
  }
  SECTION("a stream the association does not have") {
    const std::uint16_t out_streams = MUST(p.client.Status()).out_streams;
    const std::array<std::uint16_t, 2> sids{1, out_streams};
    auto r = p.client.Options().ResetStreams(StreamDir::kOutgoing, sids);
    CHECK(ktest::ErrOf(r) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(r), Catch::Contains(std::to_string(out_streams)));
  }
  SECTION("a long list (heap-built request)") {
    const std::uint16_t out_streams = MUST(p.client.Status()).out_streams;
    REQUIRE(out_streams >= 3);
    // 40 ids (more than fit the stack buffer), repeating streams 0..2.
    std::vector<std::uint16_t> sids;
    for (std::uint16_t i = 0; i < 40; ++i) sids.push_back(static_cast<std::uint16_t>(i % 3));
    MUST(p.client.Options().ResetStreams(StreamDir::kOutgoing, sids));
    auto e = client.Expect<StreamResetEvent>(
        [](const StreamResetEvent& ev) { return ev.flags == StreamResetFlags::kOutgoing; });
    CHECK(Streams(*e.As<StreamResetEvent>()) == sids);
    SendAndCheckSsn(p.client, server, {1, 2, 3}, {0, 0, 2}, "after");
  }
}

TEST_CASE("a peer that has not enabled resets denies them", "[streams]") {
  auto p = ktest::Connect(Reconf(true, /*server_accepts=*/false));
  SubscribeReconf(p.client);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  SendAndCheckSsn(p.client, server, {1, 1}, {0, 1}, "c");
  const std::array<std::uint16_t, 1> sids{1};
  MUST(p.client.Options().ResetStreams(StreamDir::kOutgoing, sids));
  ExpectReset(client, StreamResetFlags::kOutgoing | StreamResetFlags::kDenied, {1});
  // Nothing was reset: the stream goes on counting.
  SendAndCheckSsn(p.client, server, {1}, {2}, "after");
}

TEST_CASE("an association reset restarts TSNs and every stream", "[streams]") {
  auto p = ktest::Connect(Reconf());
  SubscribeReconf(p.client);
  SubscribeReconf(p.server);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  SendAndCheckSsn(p.client, server, {1, 2, 1}, {0, 0, 1}, "c");
  SendAndCheckSsn(p.server, client, {4, 4}, {0, 1}, "s");

  MUST(p.client.Options().ResetAssoc());
  auto ce = client.Expect<netsctp::AssocResetEvent>();
  auto se = server.Expect<netsctp::AssocResetEvent>();
  const auto& c = *ce.As<netsctp::AssocResetEvent>();
  const auto& s = *se.As<netsctp::AssocResetEvent>();
  CHECK(c.flags == netsctp::AssocResetFlags::kNone);
  CHECK(s.flags == netsctp::AssocResetFlags::kNone);

  SendAndCheckSsn(p.client, server, {1, 2}, {0, 0}, "after");
  SendAndCheckSsn(p.server, client, {4}, {0}, "back");
  // The first TSN each end received after the reset is the one its event announced.
  const std::size_t n_server = server.data_info().size();
  const std::size_t n_client = client.data_info().size();
  CHECK(server.data_info()[n_server - 2].info.tsn == s.local_tsn);
  CHECK(client.data_info()[n_client - 1].info.tsn == c.local_tsn);
}

TEST_CASE("added streams are announced and carry data", "[streams]") {
  auto p = ktest::Connect(Reconf());
  SubscribeReconf(p.client);
  SubscribeReconf(p.server);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  const auto c0 = MUST(p.client.Status());
  const auto s0 = MUST(p.server.Status());
  REQUIRE(c0.out_streams == s0.in_streams);
  const std::uint16_t new_sid = c0.out_streams;
  // Before: no such stream.
  {
    netsctp::SndInfo info;
    info.sid = new_sid;
    CHECK_FALSE(p.client.WriteMsg(Bytes("too early"), info).has_value());
  }

  SECTION("outgoing") {
    MUST(p.client.Options().AddStreams(3, 0));
    auto ce = client.Expect<netsctp::StreamChangeEvent>();
    auto se = server.Expect<netsctp::StreamChangeEvent>();
    const auto& c = *ce.As<netsctp::StreamChangeEvent>();
    const auto& s = *se.As<netsctp::StreamChangeEvent>();
    CHECK(c.flags == netsctp::StreamChangeFlags::kNone);
    CHECK(c.outstrms == 3);
    CHECK(s.instrms == 3);
    CHECK(MUST(p.client.Status()).out_streams == c0.out_streams + 3);
    CHECK(MUST(p.server.Status()).in_streams == s0.in_streams + 3);
    SendAndCheckSsn(p.client, server, {new_sid, static_cast<std::uint16_t>(new_sid + 2)}, {0, 0}, "new");
  }
  SECTION("incoming: the peer adds outgoing streams") {
    MUST(p.client.Options().AddStreams(0, 2));
    auto se = server.Expect<netsctp::StreamChangeEvent>();
    auto ce = client.Expect<netsctp::StreamChangeEvent>();
    const auto& c = *ce.As<netsctp::StreamChangeEvent>();
    const auto& s = *se.As<netsctp::StreamChangeEvent>();
    CHECK(c.flags == netsctp::StreamChangeFlags::kNone);
    CHECK(c.instrms == 2);
    CHECK(s.outstrms == 2);
    const auto s1 = MUST(p.server.Status());
    CHECK(s1.out_streams == s0.out_streams + 2);
    CHECK(MUST(p.client.Status()).in_streams == c0.in_streams + 2);
    const auto sid = static_cast<std::uint16_t>(s1.out_streams - 1);
    SendAndCheckSsn(p.server, client, {sid}, {0}, "new");
  }
}

TEST_CASE("stream schedulers: set, read back, per-stream priority", "[streams]") {
  auto p = ktest::Connect();
  const AssocOptions o = p.client.Options();
  CHECK(MUST(o.GetScheduler()) == Scheduler::kFcfs);
  MUST(o.SetScheduler(Scheduler::kPrio));
  CHECK(MUST(o.GetScheduler()) == Scheduler::kPrio);
  MUST(o.SetStreamSchedulerValue(1, 5));
  MUST(o.SetStreamSchedulerValue(2, 70));
  CHECK(MUST(o.GetStreamSchedulerValue(1)) == 5);
  CHECK(MUST(o.GetStreamSchedulerValue(2)) == 70);
  MUST(o.SetScheduler(Scheduler::kRoundRobin));
  CHECK(MUST(o.GetScheduler()) == Scheduler::kRoundRobin);
  // Linux keeps no per-stream value outside the priority scheduler.
  MUST(o.SetStreamSchedulerValue(1, 9));
  CHECK(MUST(o.GetStreamSchedulerValue(1)) == 0);
  MUST(o.SetScheduler(Scheduler::kFcfs));
  CHECK(MUST(o.GetScheduler()) == Scheduler::kFcfs);

  // Fair capacity and weighted fair queueing came with Linux 6.2: 6.1 refuses
  // them (clearly named), 6.12 runs them (weights kept per stream).
  utsname u{};
  REQUIRE(::uname(&u) == 0);
  int major = 0, minor = 0;
  REQUIRE(std::sscanf(u.release, "%d.%d", &major, &minor) == 2);
  const bool offered = major > 6 || (major == 6 && minor >= 2);
  INFO("kernel " << u.release);
  for (Scheduler s : {Scheduler::kFairCapacity, Scheduler::kWeightedFair}) {
    auto r = o.SetScheduler(s);
    INFO(netsctp::Name(s) << ": " << MessageOf(r));
    if (offered) {
      REQUIRE(r.has_value());
      CHECK(MUST(o.GetScheduler()) == s);
      if (s == Scheduler::kWeightedFair) {
        MUST(o.SetStreamSchedulerValue(1, 3));
        CHECK(MUST(o.GetStreamSchedulerValue(1)) == 3);
      }
    } else {
      CHECK(ktest::ErrOf(r) == std::errc::invalid_argument);
      CHECK_THAT(MessageOf(r), Catch::Contains("stream scheduler " + std::string(netsctp::Name(s))) &&
                                   Catch::Contains("not offered by this kernel"));
    }
  }
  MUST(o.SetScheduler(Scheduler::kFcfs));
  CHECK(MUST(o.GetScheduler()) == Scheduler::kFcfs);
  auto bad = o.SetStreamSchedulerValue(MUST(o.Status()).out_streams, 1);
  CHECK(ktest::ErrOf(bad) == std::errc::invalid_argument);
  CHECK_THAT(MessageOf(bad), Catch::Contains("stream "));

  CHECK(netsctp::Name(Scheduler::kFcfs) == "fcfs");
  CHECK(netsctp::Name(Scheduler::kPrio) == "prio");
  CHECK(netsctp::Name(Scheduler::kRoundRobin) == "rr");
  CHECK(netsctp::Name(Scheduler::kFairCapacity) == "fc");
  CHECK(netsctp::Name(Scheduler::kWeightedFair) == "wfq");
}

namespace {

// Where a small message on stream 2, written right after a 4 MiB one on
// stream 1, arrived: the number of pieces of the large message read before
// it, and whether the large one was complete by then.
struct Overtake {
  std::size_t pieces_before = 0;
  bool large_done_before = false;
  bool intl_client = false;
  bool intl_server = false;
};

// Linux refuses (EMSGSIZE) a message larger than the send buffer: the
// sender's is forced to 8 MiB, past net.core.wmem_max (the lab runs as root;
// the sysctl is not per network namespace, so sctp-lab cannot set it).
netsctp::Result<void> BigSendBuffer(int fd) {
  return netsctp::SetOption(fd, SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20);
}

// With `sched` on the sender; under kPrio the small message's stream 2 has
// the higher priority (0) and the large message's stream 1 the lower (10).
Overtake RaceLargeAndSmall(bool interleave, Scheduler sched = Scheduler::kRoundRobin) {
  evtest::RequireSysctl("net.sctp.intl_enable", "1");
  ktest::PairOptions o;
  o.dialer.control = Hook([interleave](AssocOptions a) -> netsctp::Result<void> {
    if (auto r = BigSendBuffer(a.fd()); !r) return r;
    return a.SetInterleaving(interleave);
  });
  o.listen_config.control = Hook([interleave](AssocOptions a) { return a.SetInterleaving(interleave); });
  auto p = ktest::Connect(o);
  {
    INFO("the send buffer must hold 4 MiB (SO_SNDBUFFORCE needs CAP_NET_ADMIN)");
    REQUIRE(MUST(netsctp::GetOption<int>(p.client.fd(), SOL_SOCKET, SO_SNDBUF)) >= (4 << 20) + 65536);
  }
  Overtake res;
  res.intl_client = MUST(p.client.Options().Interleaving());
  res.intl_server = MUST(p.server.Options().Interleaving());
  MUST(p.client.Options().SetScheduler(sched));
  if (sched == Scheduler::kPrio) {
    MUST(p.client.Options().SetStreamSchedulerValue(1, 10));
    MUST(p.client.Options().SetStreamSchedulerValue(2, 0));
  }

  const std::string large = ktest::Pattern(4u << 20, 1);
  netsctp::Result<std::size_t> w_large{0}, w_small{0};
  std::thread writer([&] {
    netsctp::SndInfo a;
    a.sid = 1;
    w_large = p.client.WriteMsg(Bytes(large), a);
    netsctp::SndInfo b;
    b.sid = 2;
    w_small = p.client.WriteMsg(Bytes("small"), b);
  });
  std::vector<std::byte> buf(64 * 1024);
  std::string got_large;
  bool small_seen = false;
  bool large_done = false;
  MUST(p.server.SetReadDeadline(ktest::In(60s)));
  while (!(small_seen && large_done)) {
    auto m = p.server.ReadMsg(buf);
    if (!m) break;
    if (m->Notification()) continue;
    REQUIRE(m->has_info);
    if (m->info.sid == 2) {
      CHECK(ktest::Text(std::span(buf).first(m->n)) == "small");
      CHECK(m->Eor());
      res.large_done_before = large_done;
      small_seen = true;
    } else {
      REQUIRE(m->info.sid == 1);
      got_large += ktest::Text(std::span(buf).first(m->n));
      if (!small_seen) ++res.pieces_before;
      large_done = m->Eor();
    }
  }
  writer.join();
  MUST(std::move(w_large));
  MUST(std::move(w_small));
  REQUIRE(small_seen);
  REQUIRE(large_done);
  CHECK(got_large == large);
  return res;
}

}  // namespace

TEST_CASE("with interleaving and round robin, a small message overtakes a large one", "[streams][intl]") {
  const Overtake on = RaceLargeAndSmall(true);
  CHECK(on.intl_client);
  CHECK(on.intl_server);
  WARN("interleaving on: " << on.pieces_before << " pieces of the large message before the small one");
  CHECK_FALSE(on.large_done_before);

  const Overtake off = RaceLargeAndSmall(false);
  CHECK_FALSE(off.intl_client);
  CHECK_FALSE(off.intl_server);
  WARN("interleaving off: " << off.pieces_before << " pieces of the large message before the small one");
  CHECK(off.large_done_before);
}

TEST_CASE("with interleaving, the scheduler decides whether a small message overtakes", "[streams][intl]") {
  const Overtake prio = RaceLargeAndSmall(true, Scheduler::kPrio);
  WARN("prio: " << prio.pieces_before << " pieces of the large message before the small one");
  CHECK_FALSE(prio.large_done_before);
  // First come, first served sends the whole large message first.
  const Overtake fcfs = RaceLargeAndSmall(true, Scheduler::kFcfs);
  CHECK(fcfs.intl_client);
  WARN("fcfs: " << fcfs.pieces_before << " pieces of the large message before the small one");
  CHECK(fcfs.large_done_before);
}

TEST_CASE("interleaving switches on and off on a socket before it connects", "[streams][intl]") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
  REQUIRE(fd >= 0);
  const AssocOptions fresh(fd, 0, 0);
  CHECK_FALSE(MUST(fresh.Interleaving()));
  MUST(fresh.SetInterleaving(true));
  CHECK(MUST(fresh.Interleaving()));
  MUST(fresh.SetInterleaving(false));
  CHECK_FALSE(MUST(fresh.Interleaving()));
  ::close(fd);
}

TEST_CASE("a one-to-many association resets a stream through ep.Assoc(id)", "[streams][endpoint]") {
  netsctp::SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  MUST(ep.Defaults().SetStreamResetEnabled(ResetRequests::kAll));
  MUST(ep.Defaults().Subscribe({EventType::kStreamReset}));
  netsctp::Dialer d;
  d.timeout = 10s;
  d.control = Hook([](AssocOptions a) { return a.SetStreamResetEnabled(ResetRequests::kAll); });
  SctpConn c = MUST(d.Dial("sctp", ktest::HostPort("127.0.0.1", ep.Addr().port)));
  SubscribeReconf(c);
  EventReader client(c, "client");

  std::vector<std::byte> buf(1 << 16);
  // Reads data from the endpoint; returns (ssn, text) of the next data message,
  // keeping any STREAM_RESET events seen.
  std::vector<StreamResetFlags> ep_resets;
  auto next_data = [&]() -> std::pair<std::uint16_t, std::string> {
    for (int i = 0; i < 50; ++i) {
      MUST(ep.SetReadDeadline(ktest::In(10s)));
      auto in = MUST(ep.ReadMsgOrEvent(buf));
      if (in.event) {
        if (auto* e = std::get_if<StreamResetEvent>(&*in.event)) {
          CHECK(Streams(*e) == std::vector<std::uint16_t>{1});
          ep_resets.push_back(e->flags);
        }
        continue;
      }
      REQUIRE(in.msg.has_info);
      return {in.msg.info.ssn, ktest::Text(std::span(buf).first(in.msg.n))};
    }
    FAIL("no data on the endpoint");
    return {};
  };
  ktest::Send(c, "one", 1);
  ktest::Send(c, "two", 1);
  CHECK(next_data() == std::pair<std::uint16_t, std::string>{0, "one"});
  CHECK(next_data() == std::pair<std::uint16_t, std::string>{1, "two"});
  const std::int32_t id = MUST(ep.FindAssoc(ktest::Ip("127.0.0.1"), c.LocalAddr().port));
  const AssocOptions a = MUST(ep.Assoc(id));
  CHECK(MUST(a.ReconfigSupported()));
  CHECK(MUST(a.StreamResetEnabled()) == ResetRequests::kAll);

  // The endpoint asks the client to reset its outgoing stream 1.
  const std::array<std::uint16_t, 1> sids{1};
  MUST(a.ResetStreams(StreamDir::kIncoming, sids));
  ExpectReset(client, StreamResetFlags::kOutgoing, {1});
  ktest::Send(c, "three", 1);
  CHECK(next_data() == std::pair<std::uint16_t, std::string>{0, "three"});
  CHECK(ep_resets == std::vector<StreamResetFlags>{StreamResetFlags::kIncoming});
}

TEST_CASE("a stream reset is a RE-CONFIG chunk on the wire", "[streams][wire]") {
  const std::string pcap = ktest::TempPath("reconf.pcap");
  const std::string log = ktest::TempPath("tcpdump.log");
  ktest::Child tcpdump({"tcpdump", "-i", "lo", "--immediate-mode", "-U", "-n", "-w", pcap, "sctp"}, log);
  REQUIRE(tcpdump.pid() > 0);
  if (!ktest::WaitFor(log, "listening on", 10s)) FAIL("tcpdump did not start: " << ktest::ReadFile(log));

  auto p = ktest::Connect(Reconf());
  SubscribeReconf(p.client);
  SubscribeReconf(p.server);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  const std::array<std::uint16_t, 2> sids{4, 7};
  MUST(p.client.Options().ResetStreams(StreamDir::kOutgoing, sids));
  ExpectReset(client, StreamResetFlags::kOutgoing, {4, 7});
  ExpectReset(server, StreamResetFlags::kIncoming, {4, 7});
  std::this_thread::sleep_for(300ms);  // let tcpdump write the last packets
  tcpdump.Stop();

  // RE-CONFIG (130) chunks: the request carries an outgoing SSN reset
  // request parameter (13) naming streams 4 and 7; the answer a response (16).
  const std::string out = ktest::TempPath("tshark.txt");
  ktest::Sh("tshark -r " + pcap +
            " -Y 'sctp.chunk_type == 130' -T fields -e sctp.parameter_type -e sctp.parameter_reconfig_sid > " + out);
  const std::string fields = ktest::ReadFile(out);
  INFO("tshark: " << fields);
  CHECK_THAT(fields, Catch::Contains("0x000d\t4,7"));
  CHECK_THAT(fields, Catch::Contains("0x0010"));
}
