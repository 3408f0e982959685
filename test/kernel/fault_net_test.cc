// Network faults under continuous traffic, with the real kernel: what an
// application relies on when a path dies or the network loses packets.
//
// - Failover: a dual-homed association across two namespaces carries
//   self-checking messages both ways on several streams while its primary
//   link is cut (link down, or netem 100 % loss) and restored. Both ends
//   report PEER_ADDR_CHANGE UNREACHABLE then AVAILABLE for the primary peer
//   address, nothing about the other one, and end with both paths active;
//   every message arrives exactly once, intact, with its stream and PPID,
//   ordered ones in order. IPv4 and IPv6.
// - Loss: netem loss with delay and reordering on a single-homed
//   association; 1000 messages of mixed sizes up to 64 KiB over 8 streams,
//   some unordered, arrive exactly once (in order on ordered streams). At
//   30 % loss the retransmission limits are raised first.
// - The kernel's rule for those limits on a multi-homed association:
//   SetAssocParams refuses a max_retrans above the sum of the paths' limits.
//
// Run (all of it in one lab boot):
//   tools/sctp-lab run --timeout 290 --net a-b --net a-b
//     --sysctl net.ipv6.conf.all.keep_addr_on_down=1 -- fault_net_test -r cases
// The topology: namespaces a and b joined by link 1 (192.0.2.1 - 192.0.2.2,
// 2001:db8:1::1 - ::2) and link 2 (198.51.100.1 - .2, 2001:db8:2::1 - ::2),
// addresses as `sctp-lab net addr` prints them; the client lives in a, the
// listener in b. keep_addr_on_down keeps the IPv6 addresses on a link that
// goes down (without it Linux flushes them, and nothing adds them back when
// the link comes up). Sockets are opened in a namespace by a
// thread that joined it with setns(); a socket keeps its namespace.
// Traffic runs on worker threads that only record (fault_helpers.h); the
// test thread asserts. Figures (failover times, message counts, durations)
// are printed as TAP comments.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "events_helpers.h"
#include "fault_helpers.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"
#include "netsctp/sockopt.h"

using namespace ktest;
using fault::EventRecord;
using fault::Peer;
using fault::Profile;
using netsctp::AssocChangeState;
using netsctp::EventType;
using netsctp::PeerAddrState;
using netsctp::SctpConn;

namespace {

// ---- the lab's topology

// The first line a shell command prints; fails the test unless it exits 0.
std::string Capture(const std::string& cmd) {
  INFO("sh -c '" << cmd << "'");
  FILE* f = ::popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  char line[512] = {};
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  const int rc = ::pclose(f);
  REQUIRE(rc == 0);
  REQUIRE(got);
  std::string s(line);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The address of namespace `ns` on link `k`, from the lab's address plan.
std::string LabAddr(const std::string& ns, int k, bool v6) {
  return Capture(LabTool() + " net addr " + ns + ' ' + std::to_string(k) + (v6 ? " -6" : ""));
}

// Prints a figure as a TAP comment.
void Figure(const std::string& text) { std::cout << "# " << text << '\n' << std::flush; }

// ---- associations across the two namespaces

struct Net {
  bool v6 = false;
  std::string network;                 // "sctp" or "sctp6"
  std::string a1, a2, b1, b2;          // hosts of a and b on links 1 and 2
  std::string Host(const std::string& h) const { return v6 ? '[' + h + ']' : h; }
};

// The addresses of one family (asked once: each `sctp-lab net` call costs
// a fraction of a second in the lab).
Net LabNetwork(bool v6) {
  static std::optional<Net> known[2];
  std::optional<Net>& n = known[v6 ? 1 : 0];
  if (!n) {
    Net x;
    x.v6 = v6;
    x.network = v6 ? "sctp6" : "sctp4";
    x.a1 = LabAddr("a", 1, v6);
    x.a2 = LabAddr("a", 2, v6);
    x.b1 = LabAddr("b", 1, v6);
    x.b2 = LabAddr("b", 2, v6);
    n = x;
  }
  return *n;
}

struct Assoc {
  netsctp::SctpListener listener;
  SctpConn client;  // in a
  SctpConn server;  // in b
};

const std::vector<EventType> kEvents = {EventType::kAssocChange, EventType::kPeerAddrChange,
                                        EventType::kSendFailedEvent, EventType::kRemoteError,
                                        EventType::kShutdown};

// An association from a (bound to `local`) to b (listening on `remote`);
// both hold lists of hosts ("h1/h2"), the primary path goes over the first.
Assoc Associate(const Net& n, const std::string& local, const std::string& remote) {
  // A short initial RTO from the start: the peer's addresses are created
  // with it, and an address that was not dialed (the client's second one,
  // at the server) is probed for confirmation after that long.
  netsctp::ListenConfig lc;
  lc.events = kEvents;
  lc.control = evtest::ShortRto();
  Assoc as;
  INFO("listen in b on " << remote);
  as.listener = MUST(InNetns("b", [&] { return lc.Listen(n.network, remote + ":0"); }));
  const std::uint16_t port = as.listener.Addr().port;
  netsctp::Dialer d;
  d.timeout = 10s;
  d.events = kEvents;
  d.control = evtest::ShortRto();
  d.local_addr = MUST(netsctp::ResolveSctpAddr(n.network, local + ":0"));
  INFO("dial from a (" << local << ") to " << remote);
  as.client = MUST(InNetns("a", [&] { return d.Dial(n.network, HostPort(remote, port)); }));
  MUST(as.listener.SetDeadline(In(10s)));
  as.server = MUST(as.listener.Accept());
  return as;
}

Assoc DualHomed(const Net& n) {
  return Associate(n, n.Host(n.a1) + '/' + n.Host(n.a2), n.Host(n.b1) + '/' + n.Host(n.b2));
}

bool IsPath(const EventRecord& e, const std::string& addr, PeerAddrState s) {
  return e.type == EventType::kPeerAddrChange && e.addr == addr && e.state == static_cast<std::int32_t>(s);
}

// The reachability changes (UNREACHABLE, AVAILABLE, POTENTIALLY_FAILED) one
// side reported for peer address `addr`, in order.
std::vector<EventRecord> PathChanges(const std::vector<EventRecord>& events, const std::string& addr) {
  std::vector<EventRecord> out;
  for (const auto& e : events) {
    if (e.type != EventType::kPeerAddrChange || e.addr != addr) continue;
    if (e.state == static_cast<std::int32_t>(PeerAddrState::kUnreachable) ||
        e.state == static_cast<std::int32_t>(PeerAddrState::kAvailable) ||
        e.state == static_cast<std::int32_t>(PeerAddrState::kPotentiallyFailed))
      out.push_back(e);
  }
  return out;
}

// What every side of every scenario must have seen: COMM_UP first, then no
// other association change, no send failure, no remote error, no shutdown.
void CheckQuietAssociation(const Peer& p) {
  const std::vector<EventRecord> ev = p.Events();
  INFO(p.EventLog());
  REQUIRE_FALSE(ev.empty());
  CHECK(ev.front().type == EventType::kAssocChange);
  CHECK(ev.front().state == static_cast<std::int32_t>(AssocChangeState::kCommUp));
  CHECK(ev.front().data_before == 0);
  for (std::size_t i = 1; i < ev.size(); ++i) {
    INFO("event " << i << ": " << ev[i].text);
    CHECK(ev[i].type == EventType::kPeerAddrChange);
  }
}

// ---- failover

enum class Cut { kLinkDown, kTotalLoss };

Profile FailoverProfile() {
  Profile p;
  p.streams = 4;
  p.mixed_streams = 1u << 3;  // stream 3: one message in four unordered
  p.mixed_every = 4;
  p.small_pct = 80;
  p.medium_pct = 15;
  p.large_pct = 5;
  p.small_max = 512;
  p.medium_max = 4096;
  p.large_max = 16384;  // fragmented messages straddle the failover too
  p.max_messages = 4000;  // a bound; the test stops the writers much earlier
  p.pace = 4ms;
  return p;
}

// Stops both peers and describes the association (events, path states,
// queues) for a failure message.
std::string Stalled(Peer& client, Peer& server, Assoc& as, const Net& n) {
  client.StopWriting();
  server.StopWriting();
  client.StopReading();
  server.StopReading();
  client.Join();
  server.Join();
  std::string s = client.EventLog() + '\n' + server.EventLog() + "\nwriters: client " + client.write_error() +
                  ", server " + server.write_error() + "\npaths:";
  for (const auto& [who, conn, peer] : {std::tuple{"client", &as.client, n.b1}, std::tuple{"client", &as.client, n.b2},
                                        std::tuple{"server", &as.server, n.a1}, std::tuple{"server", &as.server, n.a2}}) {
    auto info = conn->GetPeerAddrInfo(Ip(peer));
    s += std::string("\n  ") + who + " -> " + peer + ": ";
    s += info ? "state " + std::to_string(static_cast<int>(info->state)) + " cwnd " + std::to_string(info->cwnd) +
                    " srtt " + std::to_string(info->srtt) + " rto " + std::to_string(info->rto)
              : info.error().message();
  }
  for (const auto& [who, conn] : {std::pair{"client", &as.client}, std::pair{"server", &as.server}}) {
    auto st = conn->Status();
    s += std::string("\n  ") + who + " status: ";
    s += st ? "state " + std::to_string(static_cast<int>(st->state)) + " rwnd " + std::to_string(st->rwnd) +
                  " unacked " + std::to_string(st->unack_data) + " pending " + std::to_string(st->pending_data) +
                  " primary " + st->primary.addr.String()
            : st.error().message();
  }
  return s;
}

void RunFailover(bool v6, Cut cut) {
  RequireTopology();
  const Net n = LabNetwork(v6);
  if (v6) {
    INFO("IPv6 addresses must survive a link going down: sctp-lab run --sysctl net.ipv6.conf.all.keep_addr_on_down=1");
    REQUIRE(Capture("ip netns exec a sysctl -n net.ipv6.conf.all.keep_addr_on_down") == "1");
    REQUIRE(Capture("ip netns exec b sysctl -n net.ipv6.conf.all.keep_addr_on_down") == "1");
  }
  Assoc as = DualHomed(n);
  REQUIRE(HostText(MUST(as.client.GetPrimaryAddr())) == n.b1);
  REQUIRE(HostText(MUST(as.server.GetPrimaryAddr())) == n.a1);
  // Fast failure detection: heartbeats every 100 ms, a path fails after 2
  // missed retransmissions with RTO 100..400 ms.
  netsctp::PathParams pp;
  pp.heartbeat_enabled = true;
  pp.heartbeat_interval = 100;
  pp.path_max_retrans = 2;
  for (SctpConn* c : {&as.client, &as.server}) {
    MUST(c->SetRtoInfo({200, 100, 400}));
    MUST(c->SetPathParams(pp));
    CHECK(MUST(c->GetRtoInfo()) == netsctp::RtoInfo{200, 100, 400});
  }
  for (const std::string& peer : {n.b1, n.b2}) {
    const netsctp::IpAddr ip = Ip(peer);
    const netsctp::PathParamsInfo got = MUST(as.client.GetPathParams(&ip));
    CHECK(got.path_max_retrans == 2);
    CHECK(got.heartbeat_interval == 100);
    CHECK(got.heartbeat_enabled);
  }

  // Every path confirmed before the cut. Until the server has confirmed the
  // client's second address by a heartbeat, a primary failure ends the
  // association: seen in the lab, the server sent nothing at all on link 2,
  // not even SACKs for the client's data arriving there, until its
  // association timed out (COMM_LOST on both sides, the server's writes
  // failing with ETIMEDOUT, the client's with ECONNRESET).
  std::string states;
  const auto all_active = [&] {
    states.clear();
    bool ok = true;
    for (const auto& [conn, peer] : {std::pair{&as.client, n.b1}, std::pair{&as.client, n.b2},
                                     std::pair{&as.server, n.a1}, std::pair{&as.server, n.a2}}) {
      auto info = conn->GetPeerAddrInfo(Ip(peer));
      const int st = info ? static_cast<int>(info->state) : -1;
      states += ' ' + peer + '=' + std::to_string(st);
      ok = ok && st == static_cast<int>(netsctp::PathState::kActive);
    }
    return ok;
  };
  {
    const bool confirmed = fault::WaitUntil(all_active, 10s);
    INFO("path states (2 active, 1 potentially failed, 0 inactive, 3 unconfirmed):" << states);
    REQUIRE(confirmed);
  }

  const std::string what = std::string(v6 ? "IPv6" : "IPv4") + (cut == Cut::kLinkDown ? " link down" : " 100% loss");
  const Profile prof = FailoverProfile();
  Peer client("client", as.client, 1, prof, 2, prof);
  Peer server("server", as.server, 2, prof, 1, prof);
  const auto both_got = [&](std::uint32_t c, std::uint32_t s) {
    return [&client, &server, c, s] { return client.Received() >= c && server.Received() >= s; };
  };
  const auto t0 = Clock::now();
  client.Start();
  server.Start();
  {
    INFO(client.EventLog() << '\n' << server.EventLog());
    REQUIRE(fault::WaitUntil(both_got(60, 60), 20s));
  }

  // Cut the primary link mid-stream.
  NetUndo guard{cut == Cut::kLinkDown ? "up 1" : "impair 1 off"};
  const auto t_cut = Clock::now();
  const std::uint32_t c_at_cut = client.Received(), s_at_cut = server.Received();
  LabNet(cut == Cut::kLinkDown ? "down 1" : "impair 1 loss 100%");
  const auto unreachable = [](const std::string& addr) {
    return [addr](const EventRecord& e) { return IsPath(e, addr, PeerAddrState::kUnreachable); };
  };
  {
    INFO(client.EventLog() << '\n' << server.EventLog());
    REQUIRE(fault::WaitUntil([&] { return client.SawEvent(unreachable(n.b1)) && server.SawEvent(unreachable(n.a1)); },
                             15s));
  }
  const long long failover_ms = MsSince(t_cut);
  // The association carries on over link 2, both ways.
  const std::uint32_t c_down = client.Received(), s_down = server.Received();
  if (!fault::WaitUntil(both_got(c_down + 60, s_down + 60), 20s)) {
    FAIL("traffic stopped after the failover: client received " << client.Received() << ", server "
                                                                 << server.Received() << '\n'
                                                                 << Stalled(client, server, as, n));
  }

  // Restore it.
  const auto t_restore = Clock::now();
  LabNet(cut == Cut::kLinkDown ? "up 1" : "impair 1 off");
  guard.Dismiss();
  const auto available = [](const std::string& addr) {
    return [addr](const EventRecord& e) { return IsPath(e, addr, PeerAddrState::kAvailable); };
  };
  {
    INFO(client.EventLog() << '\n' << server.EventLog());
    REQUIRE(fault::WaitUntil([&] { return client.SawEvent(available(n.b1)) && server.SawEvent(available(n.a1)); },
                             15s));
  }
  const long long restore_ms = MsSince(t_restore);
  const std::uint32_t c_up = client.Received(), s_up = server.Received();
  REQUIRE(fault::WaitUntil(both_got(c_up + 60, s_up + 60), 20s));
  {
    INFO(client.EventLog() << '\n' << server.EventLog());
    REQUIRE(fault::Drain(client, server, 30s));
  }
  Figure(what + ": UNREACHABLE on both sides " + std::to_string(failover_ms) + " ms after the cut, AVAILABLE " +
         std::to_string(restore_ms) + " ms after the restore; messages client->server " +
         std::to_string(client.Sent()) + ", server->client " + std::to_string(server.Sent()) + " in " +
         std::to_string(MsSince(t0)) + " ms (" + std::to_string(c_at_cut) + "/" + std::to_string(s_at_cut) +
         " received before the cut)");

  // Nothing lost, nothing duplicated, order kept.
  fault::CheckFlow(client, server);
  fault::CheckFlow(server, client);
  CHECK(server.checker().unordered() > 0);

  // Each side: UNREACHABLE then AVAILABLE for the peer's primary address,
  // with data delivered in between and after; nothing about the other path.
  struct Side {
    const Peer* peer;
    std::string primary, other;
  };
  for (const Side& s : {Side{&client, n.b1, n.b2}, Side{&server, n.a1, n.a2}}) {
    const std::vector<EventRecord> ev = s.peer->Events();
    INFO(s.peer->EventLog());
    CheckQuietAssociation(*s.peer);
    const std::vector<EventRecord> prim = PathChanges(ev, s.primary);
    REQUIRE(prim.size() == 2);
    CHECK(prim[0].state == static_cast<std::int32_t>(PeerAddrState::kUnreachable));
    CHECK(prim[0].error == SCTP_FAILED_THRESHOLD);
    CHECK(prim[1].state == static_cast<std::int32_t>(PeerAddrState::kAvailable));
    CHECK((prim[1].error == SCTP_HEARTBEAT_SUCCESS || prim[1].error == SCTP_RECEIVED_SACK));
    CHECK(prim[1].data_before > prim[0].data_before);           // data kept coming during the outage
    CHECK(s.peer->checker().received() > prim[1].data_before);  // and after the restore
    CHECK(PathChanges(ev, s.other).empty());
  }
  // The primary is still the primary, and every path is active again. Linux
  // quietly marks a path POTENTIALLY_FAILED after one missed heartbeat
  // (net.sctp.pf_retrans is 0, and no event says so unless asked for),
  // which happens now and then at these timings on a busy machine: wait for
  // a moment when all four are active.
  CHECK(HostText(MUST(as.client.GetPrimaryAddr())) == n.b1);
  CHECK(HostText(MUST(as.server.GetPrimaryAddr())) == n.a1);
  const bool active_again = fault::WaitUntil(all_active, 5s);
  INFO("path states (2 active, 1 potentially failed, 0 inactive, 3 unconfirmed):" << states);
  CHECK(active_again);
  CHECK(MUST(as.client.Status()).state == netsctp::AssocState::kEstablished);
}

// ---- loss

// 1000 messages on 8 streams, of 32 bytes to 64 KiB. `heavy`: 70 % up to
// 512 bytes, 20 % up to 4 KiB, 8 % up to 16 KiB, 2 % up to 64 KiB and five
// of exactly 64 KiB (2.3 MB in all); otherwise 85 / 12 / 2 / 1 % and four
// of 64 KiB (1.4 MB), which the lab carries in about half the time at high
// loss.
Profile LossProfile(bool heavy) {
  Profile p;
  p.streams = 8;
  p.unordered_streams = 1u << 7;                // stream 7: unordered only
  p.mixed_streams = (1u << 5) | (1u << 6);      // streams 5, 6: one message in four unordered
  p.mixed_every = 4;
  p.small_pct = heavy ? 70 : 85;
  p.medium_pct = heavy ? 20 : 12;
  p.large_pct = heavy ? 8 : 2;
  p.small_max = 512;
  p.medium_max = 4096;
  p.large_max = 16384;
  p.max_size = 65536;
  p.max_every = heavy ? 200 : 250;
  p.max_messages = 1000;
  return p;
}

// The lighter reverse flow: replies on two streams.
Profile ReplyProfile() {
  Profile p;
  p.streams = 2;
  p.small_pct = 100;
  p.small_max = 256;
  p.max_messages = 100;
  p.pace = 2ms;
  return p;
}

struct LossCase {
  unsigned loss_pct = 10;
  bool raise_limits = false;  // path and association retransmission limits
  bool heavy = true;          // LossProfile
};

void RunLoss(const LossCase& lc) {
  const unsigned loss_pct = lc.loss_pct;
  const bool raise_limits = lc.raise_limits;
  RequireTopology();
  const Net n = LabNetwork(false);
  Assoc as = Associate(n, n.a1, n.b1);
  // RTO bounds near the link's real round trip (the lab's default minimum
  // is 1 s), so that recovery by timeout does not dominate, and SACKs
  // delayed less than the smallest RTO (the default delay, 200 ms, would
  // make every lone retransmission time out again).
  netsctp::PathParams fast;
  fast.sack_delay = 20;
  for (SctpConn* c : {&as.client, &as.server}) {
    MUST(c->SetRtoInfo({200, 100, 400}));
    MUST(c->SetPathParams(fast));
  }
  if (raise_limits) {
    // Consecutive timeouts on a path (and on the association) at 30 % loss
    // each way exceed the defaults (5 and 10) now and then, which would
    // fail the path and abort the association.
    netsctp::PathParams pp;
    pp.path_max_retrans = 30;
    for (SctpConn* c : {&as.client, &as.server}) {
      MUST(c->SetPathParams(pp));
      MUST(c->SetAssocParams(netsctp::AssocParams{.max_retrans = 30}));
      CHECK(MUST(c->GetAssocParams()).max_retrans == 30);
      CHECK(MUST(c->GetPathParams()).path_max_retrans == 30);
    }
  }
  const std::string impairment =
      "loss " + std::to_string(loss_pct) + "% delay 10ms reorder 25% 50%";
  NetUndo guard{"impair 1 off"};
  LabNet("impair 1 " + impairment);

  const Profile out = LossProfile(lc.heavy);
  Peer client("client", as.client, 3, out, 4, ReplyProfile());
  Peer server("server", as.server, 4, ReplyProfile(), 3, out);
  const auto t0 = Clock::now();
  client.Start();
  server.Start();
  const bool delivered = fault::WaitUntil(
      [&] {
        return (client.WriterDone() && server.WriterDone() && server.Received() >= client.Sent() &&
                client.Received() >= server.Sent()) ||
               client.ReaderDone() || server.ReaderDone();
      },
      150s);
  const long long ms = MsSince(t0);
  INFO(client.EventLog() << '\n' << server.EventLog());
  INFO("after " << ms << " ms: client sent " << client.Sent() << ", server received " << server.Received());
  CHECK(delivered);
  CHECK(fault::Drain(client, server, 5s));
  LabNet("impair 1 off");
  guard.Dismiss();
  const fault::FlowChecker& c = server.checker();
  Figure("netem " + impairment + (raise_limits ? ", raised limits" : "") + ": " + std::to_string(client.Sent()) +
         " messages client->server (" + std::to_string(c.unordered()) + " unordered, " +
         std::to_string(c.overtaken()) + " of them overtaken), " + std::to_string(server.Sent()) +
         " server->client, in " + std::to_string(ms) + " ms");

  CHECK(client.Sent() == 1000);
  CHECK(server.Sent() == 100);
  fault::CheckFlow(client, server);
  fault::CheckFlow(server, client);
  CHECK(c.unordered() > 0);
  // Every stream carried something.
  for (std::uint16_t sid = 0; sid < 8; ++sid) {
    INFO("stream " << sid);
    CHECK(c.per_stream()[sid] > 0);
  }
  // The path never failed: nothing but COMM_UP was reported.
  for (const Peer* p : {&client, &server}) {
    CheckQuietAssociation(*p);
    INFO(p->EventLog());
    CHECK(p->Events().size() == 1);
  }
  CHECK(MUST(as.client.Status()).state == netsctp::AssocState::kEstablished);
}

}  // namespace

TEST_CASE("failover: the primary link goes down under traffic and comes back (IPv4)") {
  RunFailover(false, Cut::kLinkDown);
}

TEST_CASE("failover: the primary link loses every packet under traffic, then recovers (IPv4)") {
  RunFailover(false, Cut::kTotalLoss);
}

TEST_CASE("failover: the primary link goes down under traffic and comes back (IPv6)") {
  RunFailover(true, Cut::kLinkDown);
}

TEST_CASE("failover: the primary link loses every packet under traffic, then recovers (IPv6)") {
  RunFailover(true, Cut::kTotalLoss);
}

TEST_CASE("loss: 10 % loss with delay and reordering, 1000 mixed messages over 8 streams, exactly once") {
  RunLoss({.loss_pct = 10, .raise_limits = false, .heavy = true});
}

TEST_CASE("loss: 30 % loss with delay and reordering, with raised retransmission limits, exactly once") {
  RunLoss({.loss_pct = 30, .raise_limits = true, .heavy = false});
}

TEST_CASE("SetAssocParams on a multi-homed association refuses max_retrans above the sum of the path limits") {
  RequireTopology();
  const Net n = LabNetwork(false);
  Assoc as = DualHomed(n);
  REQUIRE(MUST(as.client.GetAssocParams()).peer_destinations == 2);
  netsctp::PathParams pp;
  pp.path_max_retrans = 13;
  MUST(as.client.SetPathParams(pp));
  for (const std::string& peer : {n.b1, n.b2}) {
    const netsctp::IpAddr ip = Ip(peer);
    CHECK(MUST(as.client.GetPathParams(&ip)).path_max_retrans == 13);
  }
  const std::uint16_t before = MUST(as.client.GetAssocParams()).max_retrans;
  // Two paths of 13: at most 26.
  auto too_many = as.client.SetAssocParams(netsctp::AssocParams{.max_retrans = 27});
  REQUIRE_FALSE(too_many.has_value());
  const std::string msg = MessageOf(too_many);
  INFO("error: " << msg);
  CHECK(ErrOf(too_many) == std::errc::invalid_argument);
  CHECK(msg.find("exceeds the sum of the path") != std::string::npos);
  CHECK(msg.find("27") != std::string::npos);
  CHECK(msg.find("26") != std::string::npos);
  // The value refused leaves the association's limit as it was.
  CHECK(MUST(as.client.GetAssocParams()).max_retrans == before);
  MUST(as.client.SetAssocParams(netsctp::AssocParams{.max_retrans = 26}));
  CHECK(MUST(as.client.GetAssocParams()).max_retrans == 26);
}
