// Tuning and status against a real association: RTO, association and path
// parameters read back, primary path and peer-address info, Status against
// the kernel's own SCTP_STATUS, InitOptions reaching the socket, and event
// subscriptions (SctpConn, SctpListener, ListenConfig and Dialer).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::SctpConn;

namespace {

// The sn_type of a notification's bytes.
std::uint16_t TypeOfBytes(const std::string& bytes) {
  std::uint16_t t = 0;
  REQUIRE(bytes.size() >= sizeof t);
  std::memcpy(&t, bytes.data(), sizeof t);
  return t;
}

// Reads notifications until one of `type` (data is an error); fails on timeout.
std::string NextEvent(SctpConn& c, EventType type, std::chrono::milliseconds timeout = 5s) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    Received r = RecvAny(c, 65536, std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
    REQUIRE(r.msg.Notification());
    REQUIRE(r.msg.Eor());
    if (TypeOfBytes(r.data) == static_cast<std::uint16_t>(type)) return r.data;
  }
  FAIL("no event of type " << static_cast<int>(type));
  return {};
}

// True when no notification of `type` arrives within `wait` (other ones and data are skipped).
bool NoEvent(SctpConn& c, EventType type, std::chrono::milliseconds wait) {
  std::vector<std::byte> buf(65536);
  MUST(c.SetReadDeadline(In(wait)));
  for (;;) {
    auto r = c.ReadMsg(buf);
    if (!r) {
      MUST(c.SetReadDeadline(netsctp::kNoDeadline));
      return r.error() == Errc::kTimeout;
    }
    if (r->Notification() && r->n >= 2) {
      std::uint16_t t = 0;
      std::memcpy(&t, buf.data(), sizeof t);
      if (t == static_cast<std::uint16_t>(type)) return false;
    }
  }
}

}  // namespace

TEST_CASE("RTO parameters: set, read back, zero keeps, invalid refused") {
  Pair p = Connect();
  const netsctp::RtoInfo defaults = MUST(p.client.GetRtoInfo());
  CHECK(defaults.initial > 0);
  CHECK(defaults.min > 0);
  CHECK(defaults.max >= defaults.min);
  MUST(p.client.SetRtoInfo({500, 200, 2000}));
  CHECK(MUST(p.client.GetRtoInfo()) == netsctp::RtoInfo{500, 200, 2000});
  MUST(p.client.SetRtoInfo({0, 0, 3000}));  // zero keeps the current value
  CHECK(MUST(p.client.GetRtoInfo()) == netsctp::RtoInfo{500, 200, 3000});
  // min above max: refused, nothing changed.
  CHECK(ErrOf(p.client.SetRtoInfo({0, 5000, 1000})) == std::errc::invalid_argument);
  CHECK(MUST(p.client.GetRtoInfo()) == netsctp::RtoInfo{500, 200, 3000});
  // The other end is untouched.
  CHECK(MUST(p.server.GetRtoInfo()) == defaults);
  // The raw option agrees.
  sctp_rtoinfo raw{};
  raw = MUST(netsctp::GetOption<sctp_rtoinfo>(p.client.fd(), IPPROTO_SCTP, SCTP_RTOINFO, raw));
  CHECK(raw.srto_initial == 500);
  CHECK(raw.srto_min == 200);
  CHECK(raw.srto_max == 3000);
}

TEST_CASE("association parameters: set, read back") {
  Pair p = Connect();
  const netsctp::AssocParams before = MUST(p.client.GetAssocParams());
  CHECK(before.max_retrans > 0);
  CHECK(before.peer_destinations == 1);  // single-homed peer
  CHECK(before.peer_rwnd > 0);
  CHECK(before.local_rwnd > 0);
  CHECK(before.cookie_life > 0);
  netsctp::AssocParams set;
  set.max_retrans = 7;
  set.cookie_life = 30000;
  MUST(p.client.SetAssocParams(set));
  netsctp::AssocParams after = MUST(p.client.GetAssocParams());
  CHECK(after.max_retrans == 7);
  CHECK(after.cookie_life == 30000);
  CHECK(after.peer_destinations == 1);
  // Zero keeps.
  MUST(p.client.SetAssocParams(netsctp::AssocParams{}));
  after = MUST(p.client.GetAssocParams());
  CHECK(after.max_retrans == 7);
  CHECK(after.cookie_life == 30000);
  set.max_retrans = 3;
  set.cookie_life = 0;
  MUST(p.client.SetAssocParams(set));
  after = MUST(p.client.GetAssocParams());
  CHECK(after.max_retrans == 3);
  CHECK(after.cookie_life == 30000);
}

TEST_CASE("path parameters: heartbeat interval, heartbeat off, path max retransmissions") {
  Pair p = Connect();
  const netsctp::IpAddr peer = Ip("127.0.0.1");
  netsctp::PathParamsInfo all = MUST(p.client.GetPathParams());
  CHECK(all.heartbeat_enabled);  // the kernel's default
  CHECK(all.heartbeat_interval > 0);
  CHECK(all.path_max_retrans > 0);

  SECTION("for every path") {
    netsctp::PathParams set;
    set.heartbeat_interval = 5000;
    set.heartbeat_enabled = true;
    set.path_max_retrans = 3;
    MUST(p.client.SetPathParams(set));
    all = MUST(p.client.GetPathParams());
    CHECK(all.heartbeat_interval == 5000);
    CHECK(all.heartbeat_enabled);
    CHECK(all.path_max_retrans == 3);
    netsctp::PathParamsInfo one = MUST(p.client.GetPathParams(&peer));
    CHECK(one.heartbeat_interval == 5000);
    CHECK(one.heartbeat_enabled);
    CHECK(one.path_max_retrans == 3);
    // nullopt fields are left alone.
    netsctp::PathParams only_pmr;
    only_pmr.path_max_retrans = 4;
    MUST(p.client.SetPathParams(only_pmr));
    all = MUST(p.client.GetPathParams());
    CHECK(all.heartbeat_interval == 5000);
    CHECK(all.heartbeat_enabled);
    CHECK(all.path_max_retrans == 4);
    // Heartbeats off.
    netsctp::PathParams off;
    off.heartbeat_enabled = false;
    MUST(p.client.SetPathParams(off));
    CHECK_FALSE(MUST(p.client.GetPathParams()).heartbeat_enabled);
    CHECK_FALSE(MUST(p.client.GetPathParams(&peer)).heartbeat_enabled);
    CHECK((all.flags & SPP_HB_ENABLE) != 0);
    CHECK((MUST(p.client.GetPathParams()).flags & SPP_HB_DISABLE) != 0);
  }
  SECTION("for one address") {
    netsctp::PathParams set;
    set.heartbeat_interval = 7000;
    set.path_max_retrans = 2;
    MUST(p.client.SetPathParams(set, &peer));
    netsctp::PathParamsInfo one = MUST(p.client.GetPathParams(&peer));
    CHECK(one.heartbeat_interval == 7000);
    CHECK(one.path_max_retrans == 2);
    // An address that is not the peer's.
    const netsctp::IpAddr stranger = Ip("127.0.0.9");
    CHECK_FALSE(p.client.SetPathParams(set, &stranger).has_value());
    CHECK_FALSE(p.client.GetPathParams(&stranger).has_value());
  }
  SECTION("delayed SACK time and a fixed path MTU") {
    netsctp::PathParams set;
    set.sack_delay = 100;
    set.path_mtu = 1400;
    MUST(p.client.SetPathParams(set));
    netsctp::PathParamsInfo got = MUST(p.client.GetPathParams());
    CHECK(got.sack_delay == 100);
    CHECK(got.path_mtu == 1400);
    CHECK(MUST(p.client.GetPeerAddrInfo(peer)).mtu == 1400);
    CHECK(MUST(p.client.Status()).fragmentation_point < 1400);
    // Messages larger than the MTU still arrive whole (fragmented on the wire).
    const std::string big = Pattern(5000, 9);
    Send(p.client, big, 1, 60);
    CHECK(Recv(p.server).data == big);
  }
}

TEST_CASE("primary address and peer-address info of a single-homed association") {
  Pair p = Connect();
  const netsctp::IpAddr peer = Ip("127.0.0.1");
  CHECK(MUST(p.client.GetPrimaryAddr()) == peer);
  CHECK(MUST(p.server.GetPrimaryAddr()) == peer);
  MUST(p.client.SetPrimaryAddr(peer));
  CHECK(ErrOf(p.client.SetPrimaryAddr(Ip("127.0.0.2"))) == std::errc::invalid_argument);
  CHECK(MUST(p.client.GetPrimaryAddr()) == peer);

  netsctp::PeerAddrInfo info = MUST(p.client.GetPeerAddrInfo(peer));
  CHECK(info.addr == peer);
  CHECK(info.port == p.port);
  CHECK(info.state == netsctp::PathState::kActive);
  CHECK(info.mtu > 0);
  CHECK(info.rto > 0);
  CHECK(info.cwnd > 0);
  CHECK(ErrOf(p.client.GetPeerAddrInfo(Ip("127.0.0.9"))) == std::errc::invalid_argument);
  const std::vector<netsctp::PeerAddrInfo> all = MUST(p.client.GetPeerAddrInfos());
  REQUIRE(all.size() == 1);
  CHECK(all[0].addr == peer);
  CHECK(all[0].port == p.port);
  // The server's view of the client.
  netsctp::PeerAddrInfo back = MUST(p.server.GetPeerAddrInfo(peer));
  CHECK(back.port == p.client.LocalAddr().port);
}

TEST_CASE("Status agrees with the kernel's SCTP_STATUS") {
  PairOptions o;
  o.dialer.init_options.num_ostreams = 12;
  o.dialer.init_options.max_instreams = 9;
  Pair p = Connect(o);
  Send(p.client, "something", 1, 60);
  (void)RecvAny(p.server);
  const netsctp::Status st = MUST(p.client.Status());
  sctp_status raw{};
  raw = MUST(netsctp::GetOption<sctp_status>(p.client.fd(), IPPROTO_SCTP, SCTP_STATUS, raw));
  CHECK(st.assoc_id == raw.sstat_assoc_id);
  CHECK(static_cast<std::int32_t>(st.state) == raw.sstat_state);
  CHECK(st.state == netsctp::AssocState::kEstablished);
  CHECK(st.in_streams == raw.sstat_instrms);
  CHECK(st.out_streams == raw.sstat_outstrms);
  CHECK(st.out_streams == 10);  // min(12, the server's default 10)
  CHECK(st.in_streams == 9);    // min(the server's 10, 9)
  CHECK(st.fragmentation_point == raw.sstat_fragmentation_point);
  CHECK(st.primary.port == p.port);
  CHECK(st.primary.addr == Ip("127.0.0.1"));
  CHECK(st.primary.mtu == raw.sstat_primary.spinfo_mtu);
}

TEST_CASE("InitOptions reach the socket before the association starts") {
  netsctp::ListenConfig lc;
  lc.init_options.num_ostreams = 20;
  lc.init_options.max_instreams = 30;
  netsctp::SctpListener l = MUST(lc.Listen("sctp", "127.0.0.1:0"));
  sctp_initmsg li = MUST(netsctp::GetOption<sctp_initmsg>(l.fd(), IPPROTO_SCTP, SCTP_INITMSG));
  CHECK(li.sinit_num_ostreams == 20);
  CHECK(li.sinit_max_instreams == 30);
  netsctp::Dialer d;
  d.timeout = 10s;
  d.init_options.num_ostreams = 25;
  d.init_options.max_instreams = 15;
  d.init_options.max_attempts = 3;
  d.init_options.max_init_timeout = 700;
  SctpConn c = MUST(d.Dial("sctp", HostPort("127.0.0.1", l.Addr().port)));
  sctp_initmsg ci = MUST(netsctp::GetOption<sctp_initmsg>(c.fd(), IPPROTO_SCTP, SCTP_INITMSG));
  CHECK(ci.sinit_num_ostreams == 25);
  CHECK(ci.sinit_max_instreams == 15);
  CHECK(ci.sinit_max_attempts == 3);
  CHECK(ci.sinit_max_init_timeo == 700);
  const netsctp::Status st = MUST(c.Status());
  CHECK(st.out_streams == 25);  // min(25, 30)
  CHECK(st.in_streams == 15);   // min(20, 15)
  // NODELAY is on for every connection.
  CHECK(MUST(netsctp::GetOption<int>(c.fd(), IPPROTO_SCTP, SCTP_NODELAY)) == 1);
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  CHECK(MUST(netsctp::GetOption<int>(s.fd(), IPPROTO_SCTP, SCTP_NODELAY)) == 1);
  CHECK(MUST(s.Status()).out_streams == 15);
  CHECK(MUST(s.Status()).in_streams == 25);
}

TEST_CASE("adaptation indication from InitOptions reaches the peer") {
  netsctp::ListenConfig lc;
  lc.init_options.adaptation_indication_enabled = true;
  lc.init_options.adaptation_indication = 0x01020304;
  PairOptions o;
  o.listen_config = lc;
  o.dialer.events = {EventType::kAdaptationIndication};
  Pair p = Connect(o);
  const std::string ev = NextEvent(p.client, EventType::kAdaptationIndication);
  REQUIRE(ev.size() >= sizeof(sctp_adaptation_event));
  sctp_adaptation_event raw{};
  std::memcpy(&raw, ev.data(), sizeof raw);
  CHECK(raw.sai_adaptation_ind == 0x01020304);
  auto parsed = netsctp::ParseEvent(Bytes(ev));
  REQUIRE(parsed.has_value());
  const auto* a = std::get_if<netsctp::AdaptationEvent>(&*parsed);
  REQUIRE(a != nullptr);
  CHECK(a->adaptation_ind == 0x01020304);
}

TEST_CASE("Subscribe and Unsubscribe on a connection") {
  Pair p = Connect();
  MUST(p.client.Subscribe({EventType::kSenderDry}));
  // SENDER_DRY fires at once when nothing is queued.
  const std::string dry = NextEvent(p.client, EventType::kSenderDry);
  auto parsed = netsctp::ParseEvent(Bytes(dry));
  REQUIRE(parsed.has_value());
  CHECK(netsctp::TypeOf(*parsed) == EventType::kSenderDry);
  MUST(p.client.Unsubscribe({EventType::kSenderDry}));
  Send(p.client, "after unsubscribe", 1, 60);
  CHECK(RecvAny(p.server).data == "after unsubscribe");
  CHECK(NoEvent(p.client, EventType::kSenderDry, 600ms));
  // The span form, and SHUTDOWN/ASSOC_CHANGE at the end of the association.
  const std::vector<EventType> evs = {EventType::kShutdown, EventType::kAssocChange};
  MUST(p.server.Subscribe(evs));
  MUST(p.client.Close());
  const std::string sh = NextEvent(p.server, EventType::kShutdown);
  CHECK(TypeOfBytes(sh) == static_cast<std::uint16_t>(EventType::kShutdown));
  MUST(p.server.Unsubscribe(evs));
}

TEST_CASE("ReadMsgOrEvent returns whole data messages and parsed events") {
  Pair p = Connect();
  MUST(p.client.Subscribe({EventType::kSenderDry}));
  std::vector<std::byte> buf(65536);
  MUST(p.client.SetReadDeadline(In(10s)));
  netsctp::MsgOrEvent first = MUST(p.client.ReadMsgOrEvent(buf));
  REQUIRE(first.IsEvent());
  CHECK(first.msg.Notification());
  CHECK(netsctp::TypeOf(*first.event) == EventType::kSenderDry);
  MUST(p.client.Unsubscribe({EventType::kSenderDry}));
  const std::string big = Pattern(30000, 5);
  Send(p.server, big, 3, 60);
  netsctp::MsgOrEvent data = MUST(p.client.ReadMsgOrEvent(buf));
  CHECK_FALSE(data.IsEvent());
  CHECK_FALSE(data.msg.Notification());
  CHECK(data.msg.n == big.size());
  CHECK(data.msg.info.sid == 3);
  CHECK(data.msg.info.ppid == 60);
  CHECK(Text(std::span<const std::byte>(buf.data(), data.msg.n)) == big);
  // Above the buffer: kMessageTooLarge, and the next one is intact.
  Send(p.server, big, 3, 60);
  Send(p.server, "small", 4, 61);
  std::vector<std::byte> small(1000);
  CHECK(ErrOf(p.client.ReadMsgOrEvent(small)) == Errc::kMessageTooLarge);
  netsctp::MsgOrEvent next = MUST(p.client.ReadMsgOrEvent(small));
  CHECK(Text(std::span<const std::byte>(small.data(), next.msg.n)) == "small");
  CHECK(next.msg.info.sid == 4);
}

TEST_CASE("subscriptions made on a listener are inherited by accepted connections") {
  SECTION("SctpListener::Subscribe") {
    netsctp::SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    MUST(l.Subscribe({EventType::kAssocChange}));
    Pair p = ConnectTo(std::move(l), PairOptions{});
    const std::string up = NextEvent(p.server, EventType::kAssocChange);
    auto ev = netsctp::ParseEvent(Bytes(up));
    REQUIRE(ev.has_value());
    const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&*ev);
    REQUIRE(ac != nullptr);
    CHECK(ac->state == netsctp::AssocChangeState::kCommUp);
    CHECK(ac->outbound_streams == 10);
    // Unsubscribe on the listener: the next association gets no COMM_UP.
    MUST(p.listener.Unsubscribe({EventType::kAssocChange}));
    SctpConn c2 = MUST(netsctp::Dial("sctp", HostPort("127.0.0.1", p.port)));
    MUST(p.listener.SetDeadline(In(10s)));
    SctpConn s2 = MUST(p.listener.Accept());
    Send(c2, "first is data", 1, 60);
    Received r = RecvAny(s2);
    CHECK_FALSE(r.msg.Notification());
    CHECK(r.data == "first is data");
  }
  SECTION("ListenConfig::events, and Dialer::events for the client's own COMM_UP") {
    PairOptions o;
    o.listen_config.events = {EventType::kAssocChange};
    o.dialer.events = {EventType::kAssocChange};
    Pair p = Connect(o);
    const std::string sup = NextEvent(p.server, EventType::kAssocChange);
    const std::string cup = NextEvent(p.client, EventType::kAssocChange);
    auto sev = netsctp::ParseEvent(Bytes(sup));
    auto cev = netsctp::ParseEvent(Bytes(cup));
    REQUIRE(sev.has_value());
    REQUIRE(cev.has_value());
    const auto* sac = std::get_if<netsctp::AssocChangeEvent>(&*sev);
    const auto* cac = std::get_if<netsctp::AssocChangeEvent>(&*cev);
    REQUIRE(sac != nullptr);
    REQUIRE(cac != nullptr);
    CHECK(sac->state == netsctp::AssocChangeState::kCommUp);
    CHECK(cac->state == netsctp::AssocChangeState::kCommUp);
    // The end of the association is reported too: the client aborts.
    MUST(p.client.SetLinger(0));
    MUST(p.client.Close());
    const std::string lost = NextEvent(p.server, EventType::kAssocChange);
    auto lev = netsctp::ParseEvent(Bytes(lost));
    REQUIRE(lev.has_value());
    const auto* lac = std::get_if<netsctp::AssocChangeEvent>(&*lev);
    REQUIRE(lac != nullptr);
    CHECK(lac->state == netsctp::AssocChangeState::kCommLost);
  }
}
