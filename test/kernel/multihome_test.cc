// Multi-homed associations on 127.0.0.1/127.0.0.2/127.0.0.3 (and mixed
// IPv4/IPv6): address lists on both ends, every path's info, the primary path
// switched, per-address path parameters, BindAdd/BindRemove on a connection,
// and WriteMsgExt sending to a chosen peer address (proved with a netem delay
// on traffic to that address only).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::SctpConn;

namespace {

const std::vector<std::string> kThree = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};

// A client bound to `local` (hosts, port 0) dialing `remote` hosts on a
// listener bound to `listen` hosts. The client's RTO (initial = min, in ms)
// is short so that the extra paths are confirmed by heartbeats quickly.
Pair MultiHomed(const std::string& listen = "127.0.0.1/127.0.0.2/127.0.0.3",
                const std::string& local = "127.0.0.1/127.0.0.2/127.0.0.3",
                const std::string& remote = "127.0.0.1/127.0.0.2/127.0.0.3", std::uint32_t rto_ms = 300) {
  PairOptions o;
  o.listen_address = listen + ":0";
  o.dial_hosts = remote;
  o.dialer.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", local + ":0"));
  o.dialer.control = [rto_ms](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    sctp_rtoinfo rto{};
    rto.srto_initial = rto_ms;
    rto.srto_min = rto_ms;
    rto.srto_max = 3 * rto_ms;
    return netsctp::SetOption(fd, IPPROTO_SCTP, SCTP_RTOINFO, rto);
  };
  return Connect(o);
}

// Waits until `c` reports `n` paths, all active.
bool AllPathsActive(SctpConn& c, std::size_t n, std::chrono::milliseconds timeout = 8s) {
  const auto end = Clock::now() + timeout;
  do {
    auto infos = c.GetPeerAddrInfos();
    if (infos && infos->size() == n &&
        std::all_of(infos->begin(), infos->end(),
                    [](const netsctp::PeerAddrInfo& i) { return i.state == netsctp::PathState::kActive; }))
      return true;
    std::this_thread::sleep_for(50ms);
  } while (Clock::now() < end);
  return false;
}

std::vector<std::string> PathHosts(const std::vector<netsctp::PeerAddrInfo>& infos) {
  std::vector<std::string> v;
  for (const auto& i : infos) v.push_back(HostText(i.addr));
  std::sort(v.begin(), v.end());
  return v;
}

// Removes the root qdisc of lo when the test ends, however it ends.
struct LoQdiscGuard {
  ~LoQdiscGuard() { (void)std::system("tc qdisc del dev lo root 2>/dev/null"); }
};

}  // namespace

TEST_CASE("multi-homed listen and dial: both ends list all three addresses") {
  Pair p = MultiHomed();
  CHECK(Hosts(p.listener.Addr()) == kThree);
  // A dialer with a local address reuses addresses, as listeners do.
  CHECK(MUST(netsctp::GetOption<int>(p.client.fd(), SOL_SOCKET, SO_REUSEADDR)) != 0);
  CHECK(Hosts(p.client.LocalAddr()) == kThree);
  CHECK(Hosts(p.client.RemoteAddr()) == kThree);
  CHECK(Hosts(p.server.LocalAddr()) == kThree);
  CHECK(Hosts(p.server.RemoteAddr()) == kThree);
  CHECK(p.client.RemoteAddr().port == p.port);
  CHECK(p.server.LocalAddr().port == p.port);
  CHECK(p.server.RemoteAddr().port == p.client.LocalAddr().port);
  CHECK(p.client.LocalAddr().port != 0);
  // The string form lists every host and parses back to the same address.
  const std::string s = p.client.RemoteAddr().String();
  CHECK(s.find("127.0.0.2") != std::string::npos);
  CHECK(MUST(netsctp::ResolveSctpAddr("sctp", s)) == p.client.RemoteAddr());
  // RefreshRemoteAddr reads the same from the kernel.
  netsctp::SctpAddr fresh = MUST(p.client.RefreshRemoteAddr());
  CHECK(Hosts(fresh) == kThree);
  CHECK(fresh.port == p.port);
  CHECK(p.client.RemoteAddr() == fresh);
  // Status knows three destinations.
  CHECK(MUST(p.client.GetAssocParams()).peer_destinations == 3);
  CHECK(MUST(p.server.GetAssocParams()).peer_destinations == 3);
  // Data flows.
  for (int i = 0; i < 20; ++i) {
    Send(p.client, "c" + std::to_string(i), static_cast<std::uint16_t>(i % 10), 60);
    CHECK(RecvAny(p.server).data == "c" + std::to_string(i));
    Send(p.server, "s" + std::to_string(i), static_cast<std::uint16_t>(i % 10), 60);
    CHECK(RecvAny(p.client).data == "s" + std::to_string(i));
  }
}

TEST_CASE("GetPeerAddrInfos lists every path, GetPeerAddrInfo each one") {
  Pair p = MultiHomed();
  const std::vector<netsctp::PeerAddrInfo> infos = MUST(p.client.GetPeerAddrInfos());
  REQUIRE(infos.size() == 3);
  CHECK(PathHosts(infos) == kThree);
  for (const auto& i : infos) {
    CHECK(i.port == p.port);
    CHECK(i.mtu > 0);
    CHECK((i.state == netsctp::PathState::kActive || i.state == netsctp::PathState::kUnconfirmed));
  }
  // Heartbeats confirm the extra paths.
  CHECK(AllPathsActive(p.client, 3));
  for (const std::string& h : kThree) {
    netsctp::PeerAddrInfo one = MUST(p.client.GetPeerAddrInfo(Ip(h)));
    CHECK(one.addr == Ip(h));
    CHECK(one.port == p.port);
    CHECK(one.state == netsctp::PathState::kActive);
    CHECK(one.rto > 0);
  }
  CHECK(ErrOf(p.client.GetPeerAddrInfo(Ip("127.0.0.4"))) == std::errc::invalid_argument);
  // The server sees the client's three addresses as paths too.
  const std::vector<netsctp::PeerAddrInfo> back = MUST(p.server.GetPeerAddrInfos());
  CHECK(PathHosts(back) == kThree);
  for (const auto& i : back) CHECK(i.port == p.client.LocalAddr().port);
}

TEST_CASE("SetPrimaryAddr switches the primary path") {
  Pair p = MultiHomed();
  REQUIRE(AllPathsActive(p.client, 3));
  const netsctp::IpAddr first = MUST(p.client.GetPrimaryAddr());
  CHECK(std::find(kThree.begin(), kThree.end(), first.String()) != kThree.end());
  CHECK(MUST(p.client.Status()).primary.addr == first);
  for (const char* h : {"127.0.0.2", "127.0.0.3", "127.0.0.1", "127.0.0.2"}) {
    INFO("primary -> " << h);
    MUST(p.client.SetPrimaryAddr(Ip(h)));
    CHECK(MUST(p.client.GetPrimaryAddr()) == Ip(h));
    const netsctp::Status st = MUST(p.client.Status());
    CHECK(st.primary.addr == Ip(h));
    CHECK(st.primary.port == p.port);
    // Data still flows both ways.
    Send(p.client, std::string("via ") + h, 1, 60);
    CHECK(RecvAny(p.server).data == std::string("via ") + h);
    Send(p.server, "ack", 1, 60);
    CHECK(RecvAny(p.client).data == "ack");
  }
  // An address that is not the peer's is refused; the primary stays.
  CHECK(ErrOf(p.client.SetPrimaryAddr(Ip("127.0.0.9"))) == std::errc::invalid_argument);
  CHECK(MUST(p.client.GetPrimaryAddr()) == Ip("127.0.0.2"));
  // The server can switch its own primary too.
  MUST(p.server.SetPrimaryAddr(Ip("127.0.0.3")));
  CHECK(MUST(p.server.GetPrimaryAddr()) == Ip("127.0.0.3"));
  CHECK(MUST(p.server.Status()).primary.addr == Ip("127.0.0.3"));
}

TEST_CASE("path parameters for one address and for all") {
  Pair p = MultiHomed();
  const netsctp::IpAddr a1 = Ip("127.0.0.1");
  const netsctp::IpAddr a2 = Ip("127.0.0.2");
  const netsctp::IpAddr a3 = Ip("127.0.0.3");
  netsctp::PathParams all;
  all.path_max_retrans = 2;
  all.heartbeat_interval = 1000;
  all.heartbeat_enabled = true;
  MUST(p.client.SetPathParams(all));
  for (const auto* a : {&a1, &a2, &a3}) {
    INFO("path " << a->String());
    netsctp::PathParamsInfo got = MUST(p.client.GetPathParams(a));
    CHECK(got.path_max_retrans == 2);
    CHECK(got.heartbeat_interval == 1000);
    CHECK(got.heartbeat_enabled);
  }
  // Heartbeats off on 127.0.0.2 only; another interval on 127.0.0.3 only.
  netsctp::PathParams off;
  off.heartbeat_enabled = false;
  MUST(p.client.SetPathParams(off, &a2));
  netsctp::PathParams slow;
  slow.heartbeat_interval = 4000;
  slow.path_max_retrans = 4;
  MUST(p.client.SetPathParams(slow, &a3));
  CHECK_FALSE(MUST(p.client.GetPathParams(&a2)).heartbeat_enabled);
  CHECK(MUST(p.client.GetPathParams(&a1)).heartbeat_enabled);
  CHECK(MUST(p.client.GetPathParams(&a3)).heartbeat_enabled);
  CHECK(MUST(p.client.GetPathParams(&a3)).heartbeat_interval == 4000);
  CHECK(MUST(p.client.GetPathParams(&a3)).path_max_retrans == 4);
  CHECK(MUST(p.client.GetPathParams(&a1)).heartbeat_interval == 1000);
  CHECK(MUST(p.client.GetPathParams(&a1)).path_max_retrans == 2);
  // Association max retransmissions stay consistent with the paths.
  netsctp::AssocParams ap;
  ap.max_retrans = 6;
  MUST(p.client.SetAssocParams(ap));
  CHECK(MUST(p.client.GetAssocParams()).max_retrans == 6);
}

TEST_CASE("an association max_retrans above the sum of the path limits fails with a message that says so") {
  Pair p = MultiHomed();
  netsctp::PathParams pp;
  pp.path_max_retrans = 3;
  MUST(p.client.SetPathParams(pp));  // 3 paths x 3 = 9
  netsctp::AssocParams ap;
  ap.max_retrans = 10;
  auto r = p.client.SetAssocParams(ap);
  CHECK(ErrOf(r) == std::errc::invalid_argument);
  const std::string msg = MessageOf(r);
  CHECK(msg.find("association max_retrans 10 exceeds the sum of the path max_retrans (9 over 3 paths)") !=
        std::string::npos);
  ap.max_retrans = 9;
  MUST(p.client.SetAssocParams(ap));
  CHECK(MUST(p.client.GetAssocParams()).max_retrans == 9);
}

TEST_CASE("BindAdd and BindRemove on a connection show in LocalAddr") {
  Pair p = MultiHomed("127.0.0.1/127.0.0.2/127.0.0.3", "127.0.0.1/127.0.0.2", "127.0.0.1");
  const std::uint16_t lport = p.client.LocalAddr().port;
  CHECK(Hosts(p.client.LocalAddr()) == std::vector<std::string>{"127.0.0.1", "127.0.0.2"});
  MUST(p.client.BindAdd("127.0.0.3"));
  CHECK(Hosts(p.client.LocalAddr()) == kThree);
  CHECK(p.client.LocalAddr().port == lport);
  netsctp::SctpAddr three;
  three.ip_addrs.push_back(Ip("127.0.0.3"));
  MUST(p.client.BindRemove(three));
  CHECK(Hosts(p.client.LocalAddr()) == std::vector<std::string>{"127.0.0.1", "127.0.0.2"});
  MUST(p.client.BindRemove("127.0.0.2"));
  CHECK(Hosts(p.client.LocalAddr()) == std::vector<std::string>{"127.0.0.1"});
  three.port = lport;  // the bound port is accepted too
  MUST(p.client.BindAdd(three));
  CHECK(Hosts(p.client.LocalAddr()) == std::vector<std::string>{"127.0.0.1", "127.0.0.3"});
  // Another port is refused; the last address cannot go.
  CHECK_FALSE(p.client.BindAdd(HostPort("127.0.0.2", static_cast<std::uint16_t>(lport + 1))).has_value());
  MUST(p.client.BindRemove("127.0.0.3"));
  CHECK_FALSE(p.client.BindRemove("127.0.0.1").has_value());
  CHECK(Hosts(p.client.LocalAddr()) == std::vector<std::string>{"127.0.0.1"});
  // The association is unharmed.
  Send(p.client, "after bindx", 1, 60);
  CHECK(RecvAny(p.server).data == "after bindx");
}

TEST_CASE("mixed IPv4/IPv6 multi-homing") {
  Pair p = MultiHomed("127.0.0.1/[::1]", "127.0.0.1/[::1]", "127.0.0.1/[::1]");
  const std::vector<std::string> both = {"127.0.0.1", "::1"};
  CHECK(SocketFamily(p.listener.fd()) == AF_INET6);
  CHECK(Hosts(p.listener.Addr()) == both);
  CHECK(Hosts(p.client.LocalAddr()) == both);
  CHECK(Hosts(p.client.RemoteAddr()) == both);
  CHECK(Hosts(p.server.RemoteAddr()) == both);
  for (const auto& ip : p.server.RemoteAddr().ip_addrs) {
    if (ip.String() == "127.0.0.1") CHECK(ip.Is4());  // not ::ffff:127.0.0.1
  }
  CHECK(AllPathsActive(p.client, 2));
  MUST(p.client.SetPrimaryAddr(Ip("::1")));
  CHECK(MUST(p.client.GetPrimaryAddr()) == Ip("::1"));
  MUST(p.client.SetPrimaryAddr(Ip("127.0.0.1")));
  CHECK(MUST(p.client.GetPrimaryAddr()) == Ip("127.0.0.1"));
  Send(p.client, "mixed", 1, 60);
  CHECK(RecvAny(p.server).data == "mixed");
  // A destination override of either family on the AF_INET6 socket.
  netsctp::SndInfo info;
  info.sid = 2;
  info.ppid = 62;
  for (const char* h : {"::1", "127.0.0.1"}) {
    INFO("to " << h);
    const netsctp::IpAddr to = Ip(h);
    CHECK(MUST(p.client.WriteMsgExt(Bytes(std::string("to ") + h), &info, &to)) == 3 + std::strlen(h));
    Received r = RecvAny(p.server);
    CHECK(r.data == std::string("to ") + h);
    CHECK(r.msg.info.sid == 2);
    CHECK(r.msg.info.ppid == 62);
  }
}

// For WriteMsgExt's address override: the client is single-homed on
// 127.0.0.1 so only its packets to the server's 127.0.0.2 carry that
// destination. Its RTO is 1 s: a message held back on the way to 127.0.0.2
// arrives after about that long (retransmitted on another path), one through
// 127.0.0.1 at once.
Pair OverridePair() {
  Pair p = MultiHomed("127.0.0.1/127.0.0.2/127.0.0.3", "127.0.0.1", "127.0.0.1/127.0.0.2/127.0.0.3", 1000);
  REQUIRE(AllPathsActive(p.client, 3));
  MUST(p.client.SetNoDelay(true));
  return p;
}

netsctp::SndInfo OverrideInfo() {
  netsctp::SndInfo info;
  info.sid = 4;
  info.ppid = 60;
  return info;
}

TEST_CASE("WriteMsgExt sends to the chosen peer address") {
  Pair p = OverridePair();
  const netsctp::SndInfo info = OverrideInfo();
  const netsctp::IpAddr a1 = Ip("127.0.0.1");
  const netsctp::IpAddr a2 = Ip("127.0.0.2");

  SECTION("the message arrives with its info, on either address") {
    for (const auto* to : {&a2, &a1}) {
      INFO("to " << to->String());
      const std::string msg = "override to " + to->String();
      CHECK(MUST(p.client.WriteMsgExt(Bytes(msg), &info, to)) == msg.size());
      Received r = RecvAny(p.server);
      CHECK(r.data == msg);
      CHECK(r.msg.info.sid == 4);
      CHECK(r.msg.info.ppid == 60);
    }
    // Without info: the default send parameters.
    CHECK(MUST(p.client.WriteMsgExt(Bytes("no info"), nullptr, &a2)) == 7);
    Received r = RecvAny(p.server);
    CHECK(r.data == "no info");
    CHECK(r.msg.info.sid == 0);
    // Without an address: the primary path, as WriteMsg.
    CHECK(MUST(p.client.WriteMsgExt(Bytes("no address"), &info, nullptr)) == 10);
    CHECK(RecvAny(p.server).data == "no address");
    // An address that is not the peer's fails and sends nothing.
    const netsctp::IpAddr stranger = Ip("127.0.0.9");
    CHECK_FALSE(p.client.WriteMsgExt(Bytes("nowhere"), &info, &stranger).has_value());
    Send(p.client, "after stranger", 1, 60);
    CHECK(RecvAny(p.server).data == "after stranger");
  }
}

TEST_CASE("WriteMsgExt to 127.0.0.2: only that traffic is slowed, so the override really uses the address") {
  // The network first: the association must live where the qdisc goes.
  PrivateNetwork();
  Pair p = OverridePair();
  const netsctp::SndInfo info = OverrideInfo();
  const netsctp::IpAddr a1 = Ip("127.0.0.1");
  const netsctp::IpAddr a2 = Ip("127.0.0.2");
  LoadModule("net/sched/sch_prio.ko");
  LoadModule("net/sched/cls_u32.ko");
  LoQdiscGuard guard;
  Sh("tc qdisc add dev lo root handle 1: prio && "
     "tc qdisc add dev lo parent 1:3 handle 30: netem delay 1500ms && "
     "tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst 127.0.0.2/32 flowid 1:3");
  REQUIRE(MUST(p.client.GetPrimaryAddr()) == a1);
  // Through the primary (127.0.0.1): quick.
  auto t0 = Clock::now();
  MUST(p.client.WriteMsgExt(Bytes("direct"), &info, &a1));
  CHECK(RecvAny(p.server).data == "direct");
  const auto fast_ms = MsSince(t0);
  // Through 127.0.0.2: held back by the delay (or its retransmission timer).
  t0 = Clock::now();
  MUST(p.client.WriteMsgExt(Bytes("detour"), &info, &a2));
  CHECK(RecvAny(p.server).data == "detour");
  const auto slow_ms = MsSince(t0);
  INFO("via 127.0.0.1: " << fast_ms << " ms, via 127.0.0.2: " << slow_ms << " ms");
  CHECK(fast_ms < 500);
  CHECK(slow_ms >= 900);
}
