// Partial reliability, per-stream policies and datagrams, with the real
// kernel, between namespaces a (client) and b (listener) over link 1
// (192.0.2.1 - 192.0.2.2), with netem loss or the link cut where the
// behaviour only shows when packets go missing.
//
// - Under 30 % loss on one association: TTL messages (stream 1) and RTX-0
//   messages (stream 2, from a per-stream policy) are partly lost and the
//   association's and the streams' abandoned counters move; reliable
//   messages (stream 0, and stream 3 whose RTX-0 policy is overridden by an
//   explicit pr) all arrive, in order. tcpdump in a captures the exchange
//   and tshark finds FORWARD-TSN chunks (type 192) in it.
// - With the peer not reading and the send buffer full, PRIO messages evict
//   queued lower-priority ones. With the link cut, a default PRINFO (TTL) is
//   read back and makes queued messages expire, with and without SndInfo.
// - PR-SCTP negotiation, datagrams (unordered flag, size following the path
//   MTU), and the same calls on a one-to-many endpoint's association.
//
// Run: tools/sctp-lab run --timeout 230 --net a-b --net a-b -- pr_test
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "events_helpers.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/endpoint.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::PrCounters;
using netsctp::PrInfo;
using netsctp::PrPolicy;
using netsctp::SctpConn;
using netsctp::SndFlags;
using netsctp::SndInfo;

namespace {

std::uint64_t Total(const PrCounters& c) { return c.abandoned_unsent + c.abandoned_sent; }

// Short RTOs and generous retransmission limits: loss and a cut link must
// make PR-SCTP drop messages, not end the association.
netsctp::ControlHook Tolerant(bool pr_supported = true) {
  return [=](std::string_view n, std::string_view a, int fd) -> netsctp::Result<void> {
    if (auto r = evtest::ShortRto()(n, a, fd); !r) return r;
    sctp_assocparams ap{};
    ap.sasoc_asocmaxrxt = 200;
    if (auto r = netsctp::SetOption(fd, IPPROTO_SCTP, SCTP_ASSOCINFO, ap); !r) return r;
    sctp_paddrparams pp{};
    pp.spp_pathmaxrxt = 200;
    if (auto r = netsctp::SetOption(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, pp); !r) return r;
    if (!pr_supported) return netsctp::AssocOptions(fd, 0, 0).SetPrSupported(false);
    return {};
  };
}

Pair Associate(bool pr_supported_client = true) {
  netsctp::ListenConfig lc;
  lc.control = Tolerant();
  netsctp::SctpListener l = MUST(InNetns("b", [&] { return lc.Listen("sctp4", "192.0.2.2:0"); }));
  Pair p;
  p.port = l.Addr().port;
  netsctp::Dialer d;
  d.timeout = 10s;
  d.control = Tolerant(pr_supported_client);
  p.client = MUST(InNetns("a", [&] { return d.Dial("sctp4", HostPort("192.0.2.2", p.port)); }));
  MUST(l.SetDeadline(In(10s)));
  p.server = MUST(l.Accept());
  p.listener = std::move(l);
  return p;
}

SndInfo On(std::uint16_t sid, std::uint32_t ppid) {
  SndInfo i;
  i.sid = sid;
  i.ppid = ppid;
  return i;
}

// Reads data messages until `done` says so or `limit` passes; returns them by stream.
template <typename Done>
std::map<std::uint16_t, std::vector<std::string>> ReadUntil(SctpConn& c, Done done, std::chrono::seconds limit) {
  std::map<std::uint16_t, std::vector<std::string>> got;
  std::vector<std::byte> buf(1 << 16);
  const auto end = Clock::now() + limit;
  while (!done(got) && Clock::now() < end) {
    MUST(c.SetReadDeadline(std::min(end, In(500ms))));
    auto m = c.ReadFullMsg(buf);
    if (!m) {
      REQUIRE(m.error() == netsctp::Errc::kTimeout);
      continue;
    }
    if (m->Notification()) continue;
    got[m->info.sid].push_back(Text(std::span<const std::byte>(buf.data(), m->n)));
  }
  MUST(c.SetReadDeadline(netsctp::kNoDeadline));
  return got;
}

// A shell command's standard output (exit status 0 required).
std::string Output(const std::string& cmd) {
  INFO("sh -c '" << cmd << "'");
  FILE* f = ::popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  std::string out;
  char chunk[512];
  while (std::fgets(chunk, sizeof chunk, f) != nullptr) out += chunk;
  REQUIRE(::pclose(f) == 0);
  return out;
}

const char* TmpDir() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr ? t : "/tmp";
}

}  // namespace

TEST_CASE("under loss, TTL and RTX-0 messages are abandoned and counted; reliable ones all arrive") {
  RequireTopology();
  Pair p = Associate();
  REQUIRE(MUST(p.client.Options().PrSupported()));
  // Stream 2: datagram-like by policy; stream 3: the same policy, overridden per message.
  MUST(p.client.SetStreamPolicy(2, {PrInfo::Rtx(0), false}));
  MUST(p.client.SetStreamPolicy(3, {PrInfo::Rtx(0), false}));
  REQUIRE(p.client.GetStreamPolicy(2) == SctpConn::StreamPolicy{PrInfo::Rtx(0), false});
  REQUIRE_FALSE(p.client.GetStreamPolicy(1).has_value());

  // tcpdump in a, writing where the host can read it afterwards too.
  const std::string pcap = std::string(TmpDir()) + "/pr_loss.pcap";
  const std::string pidfile = std::string(TmpDir()) + "/pr_tcpdump.pid";
  (void)std::remove(pcap.c_str());
  Output(LabTool() + " net exec a sh -c 'tcpdump -i any -U -w " + pcap + " sctp >/dev/null 2>&1 & echo $! > " +
         pidfile + "'");
  std::this_thread::sleep_for(1s);  // tcpdump opens its capture

  NetUndo guard{"impair 1 off"};
  LabNet("impair 1 loss 30% delay 10ms");
  constexpr std::size_t kRounds = 60;
  const std::string pad(200, 'x');
  for (std::size_t i = 0; i < kRounds; ++i) {
    const std::string n = std::to_string(i);
    SndInfo ttl = On(1, 1);
    ttl.pr = PrInfo::Ttl(30ms);
    MUST(p.client.WriteMsg(Bytes("ttl" + n + pad), ttl));
    MUST(p.client.WriteMsg(Bytes("rtx" + n + pad), On(2, 2)));  // the stream's policy
    SndInfo explicit_reliable = On(3, 3);
    explicit_reliable.pr = PrInfo::Reliable();
    MUST(p.client.WriteMsg(Bytes("rel3-" + n), explicit_reliable));
    MUST(p.client.WriteMsg(Bytes("rel0-" + n), On(0, 0)));
    std::this_thread::sleep_for(5ms);
  }
  auto got = ReadUntil(
      p.server,
      [&](auto& g) { return g[0].size() == kRounds && g[3].size() == kRounds; }, 60s);
  LabNet("impair 1 off");
  // Stragglers of the unreliable streams, then the capture ends.
  auto late = ReadUntil(p.server, [](auto&) { return false; }, 1s);
  for (auto& [sid, v] : late) got[sid].insert(got[sid].end(), v.begin(), v.end());
  Output("kill $(cat " + pidfile + ")");
  std::this_thread::sleep_for(500ms);

  // Reliable streams: all, in order (explicit Reliable beat stream 3's RTX-0 policy).
  REQUIRE(got[0].size() == kRounds);
  REQUIRE(got[3].size() == kRounds);
  for (std::size_t i = 0; i < kRounds; ++i) {
    CHECK(got[0][i] == "rel0-" + std::to_string(i));
    CHECK(got[3][i] == "rel3-" + std::to_string(i));
  }
  // Unreliable streams: some lost, never duplicated.
  std::printf("# 30%% loss: TTL %zu/%zu arrived, RTX-0 (stream policy) %zu/%zu arrived\n", got[1].size(), kRounds,
              got[2].size(), kRounds);
  CHECK(got[1].size() < kRounds);
  CHECK(got[2].size() < kRounds);
  CHECK(std::set<std::string>(got[1].begin(), got[1].end()).size() == got[1].size());
  CHECK(std::set<std::string>(got[2].begin(), got[2].end()).size() == got[2].size());

  const auto opts = p.client.Options();
  const PrCounters ttl = MUST(opts.GetPrCounters(PrPolicy::kTtl));
  const PrCounters rtx = MUST(opts.GetPrCounters(PrPolicy::kRtx));
  const PrCounters all = MUST(opts.GetPrCounters());
  std::printf("# abandoned: TTL %llu+%llu, RTX %llu+%llu (unsent+sent)\n",
              static_cast<unsigned long long>(ttl.abandoned_unsent), static_cast<unsigned long long>(ttl.abandoned_sent),
              static_cast<unsigned long long>(rtx.abandoned_unsent), static_cast<unsigned long long>(rtx.abandoned_sent));
  CHECK(Total(ttl) > 0);
  CHECK(Total(rtx) > 0);
  // The kernel counts as abandoned at least every message that did not arrive.
  CHECK(Total(ttl) >= kRounds - got[1].size());
  CHECK(Total(rtx) >= kRounds - got[2].size());
  CHECK(Total(all) == Total(ttl) + Total(rtx) + Total(MUST(opts.GetPrCounters(PrPolicy::kPrio))));
  CHECK(Total(MUST(opts.GetStreamPrCounters(1, PrPolicy::kTtl))) == Total(ttl));
  CHECK(Total(MUST(opts.GetStreamPrCounters(2, PrPolicy::kRtx))) == Total(rtx));
  CHECK(Total(MUST(opts.GetStreamPrCounters(0))) == 0);
  CHECK(Total(MUST(opts.GetStreamPrCounters(3))) == 0);
  // kReliable has no counters: refused with a message naming it.
  auto bad = opts.GetPrCounters(PrPolicy::kReliable);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == std::errc::invalid_argument);

  // On the wire: the sender told the receiver to skip abandoned TSNs.
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    WARN("tshark not found inside the lab: the capture " << pcap << " was not checked");
    return;
  }
  const std::string count =
      Output("tshark -r " + pcap + " -Y 'sctp.chunk_type == 192' 2>/dev/null | wc -l");
  std::printf("# FORWARD-TSN packets in the capture: %s", count.c_str());
  CHECK(std::stoi(count) > 0);
}

TEST_CASE("with the send buffer full, PRIO messages evict queued lower-priority ones") {
  RequireTopology();
  Pair p = Associate();
  // The server reads nothing: its window closes and the client's messages
  // stay queued, unsent, until the send buffer is full.
  MUST(p.client.SetWriteBufferSize(16384));
  MUST(p.client.SetNonBlocking(true));
  const std::string body(1000, 'l');
  std::size_t low = 0;
  const auto end = Clock::now() + 20s;
  auto last_progress = Clock::now();
  while (Clock::now() < end && Clock::now() - last_progress < 300ms) {
    SndInfo i = On(1, 1);
    i.pr = PrInfo::Prio(10);
    auto n = p.client.WriteMsg(Bytes(std::to_string(low) + body), i);
    if (n) {
      ++low;
      last_progress = Clock::now();
      continue;
    }
    REQUIRE(n.error() == std::errc::resource_unavailable_try_again);
    std::this_thread::sleep_for(20ms);  // SACKs may still free room
  }
  REQUIRE(low > 0);
  // Full for priority 10; priority 0 makes room by abandoning priority-10
  // messages. Room comes at once from those still unsent; those already sent
  // (to the closed window) free theirs only once the peer acknowledges the
  // FORWARD-TSN that skips them, so a write may need a few tries.
  constexpr std::size_t kHigh = 5;
  for (std::size_t i = 0; i < kHigh; ++i) {
    SndInfo hi = On(0, 0);
    hi.pr = PrInfo::Prio(0);
    INFO("high-priority message " << i << " after " << low << " low-priority ones");
    const auto give_up = Clock::now() + 10s;
    for (;;) {
      auto n = p.client.WriteMsg(Bytes("high" + std::to_string(i) + body), hi);
      if (n) break;
      REQUIRE(n.error() == std::errc::resource_unavailable_try_again);
      REQUIRE(Clock::now() < give_up);
      std::this_thread::sleep_for(20ms);
    }
  }

  const PrCounters prio = MUST(p.client.Options().GetPrCounters(PrPolicy::kPrio));
  CHECK(Total(prio) > 0);
  CHECK(Total(MUST(p.client.Options().GetStreamPrCounters(1, PrPolicy::kPrio))) == Total(prio));
  CHECK(Total(MUST(p.client.Options().GetStreamPrCounters(0))) == 0);
  auto got = ReadUntil(p.server, [&](auto& g) { return g[0].size() == kHigh; }, 30s);
  auto late = ReadUntil(p.server, [](auto&) { return false; }, 1s);
  for (auto& [sid, v] : late) got[sid].insert(got[sid].end(), v.begin(), v.end());
  std::printf("# PRIO: %zu low queued, %zu arrived, %llu abandoned\n", low, got[1].size(),
              static_cast<unsigned long long>(Total(prio)));
  REQUIRE(got[0].size() == kHigh);
  CHECK(got[1].size() < low);
  // Abandoned-after-sending counts may include messages that arrived anyway.
  CHECK(got[1].size() + Total(prio) >= low);
}

TEST_CASE("a default PRINFO is read back and applies to messages sent without their own") {
  RequireTopology();
  Pair p = Associate();
  const auto opts = p.client.Options();
  CHECK(MUST(opts.GetDefaultPrInfo()) == PrInfo::Reliable());
  MUST(opts.SetDefaultPrInfo(PrInfo::Ttl(200ms)));
  CHECK(MUST(opts.GetDefaultPrInfo()) == PrInfo::Ttl(200ms));
  auto bad = opts.SetDefaultPrInfo(PrInfo{static_cast<PrPolicy>(0x40), 1});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == std::errc::invalid_argument);

  NetUndo guard{"up 1"};
  LabNet("down 1");
  for (int i = 0; i < 10; ++i) {
    MUST(p.client.Write(Bytes("plain" + std::to_string(i))));       // no SndInfo at all
    MUST(p.client.WriteMsg(Bytes("info" + std::to_string(i)), On(1, 1)));  // SndInfo without pr
  }
  std::this_thread::sleep_for(1s);  // well past the 200 ms lifetime
  LabNet("up 1");
  SndInfo marker = On(2, 2);
  marker.pr = PrInfo::Reliable();
  MUST(p.client.WriteMsg(Bytes("marker"), marker));
  auto got = ReadUntil(p.server, [](auto& g) { return g[2].size() == 1; }, 30s);
  REQUIRE(got[2].size() == 1);
  // Whatever was already in flight when the link went down may still get
  // through once; most of it must have expired.
  std::printf("# default TTL: %zu/10 without SndInfo, %zu/10 with SndInfo arrived\n", got[0].size(), got[1].size());
  CHECK(got[0].size() < 10);
  CHECK(got[1].size() < 10);
  // Linux 6.1 counts only the first kind: with SCTP_SNDINFO and no PRINFO it
  // applies the default lifetime without its policy (see SndInfo::pr).
  CHECK(Total(MUST(opts.GetPrCounters(PrPolicy::kTtl))) >= 10 - got[0].size());
}

TEST_CASE("PR-SCTP is negotiated: on by default, off when one side turned it off before connecting") {
  RequireTopology();
  {
    Pair p = Associate();
    CHECK(MUST(p.client.Options().PrSupported()));
    CHECK(MUST(p.server.Options().PrSupported()));
  }
  {
    Pair p = Associate(/*pr_supported_client=*/false);
    CHECK_FALSE(MUST(p.client.Options().PrSupported()));
    CHECK_FALSE(MUST(p.server.Options().PrSupported()));
  }
}

TEST_CASE("datagrams arrive unordered, fit MaxDatagramSize, which follows the path MTU") {
  RequireTopology();
  Pair p = Associate();
  const auto opts = p.client.Options();
  const std::size_t before = MUST(opts.MaxDatagramSize());
  const auto paths = MUST(opts.GetPeerAddrInfos());
  REQUIRE(paths.size() == 1);
  INFO("path MTU " << paths[0].mtu << ", max datagram " << before);
  CHECK(before > 0);
  CHECK(before < paths[0].mtu);

  const std::string full(before, 'd');
  MUST(p.client.WriteDatagram(Bytes(full), 1, 99));
  const Received r = Recv(p.server);
  CHECK(r.data == full);
  CHECK(r.msg.info.Unordered());
  CHECK(r.msg.info.sid == 1);
  CHECK(r.msg.info.ppid == 99);

  netsctp::PathParams pp;
  pp.path_mtu = 1200;
  MUST(opts.SetPathParams(pp));
  const std::size_t after = MUST(opts.MaxDatagramSize());
  INFO("after path MTU 1200: " << after);
  CHECK(after < before);
  CHECK(after < 1200);
  CHECK(after > 1000);
  MUST(p.client.WriteDatagram(Bytes(std::string(after, 'e')), 0, 7));
  const Received r2 = Recv(p.server);
  CHECK(r2.data.size() == after);
  CHECK(r2.msg.info.Unordered());
  // An ordinary write on the same connection is still ordered.
  Send(p.client, "ordered", 0, 7);
  CHECK_FALSE(Recv(p.server).msg.info.Unordered());
}

TEST_CASE("the PR calls serve a one-to-many endpoint's association") {
  RequireTopology();
  netsctp::ListenConfig lc;
  lc.control = Tolerant();
  netsctp::SctpListener l = MUST(InNetns("b", [&] { return lc.Listen("sctp4", "192.0.2.2:0"); }));
  netsctp::SctpEndpoint ep = MUST(InNetns("a", [] { return netsctp::OpenEndpoint("sctp4", "192.0.2.1:0"); }));
  MUST(ep.Defaults().SetDefaultPrInfo(PrInfo::Rtx(1)));
  const std::int32_t id = MUST(ep.Connect(HostPort("192.0.2.2", l.Addr().port)));
  MUST(l.SetDeadline(In(10s)));
  SctpConn server = MUST(l.Accept());
  const netsctp::AssocOptions assoc = MUST(ep.Assoc(id));
  CHECK(MUST(assoc.PrSupported()));
  CHECK(MUST(assoc.GetDefaultPrInfo()) == PrInfo::Rtx(1));  // inherited from Defaults()
  MUST(assoc.SetDefaultPrInfo(PrInfo::Prio(3)));
  CHECK(MUST(assoc.GetDefaultPrInfo()) == PrInfo::Prio(3));
  CHECK(MUST(assoc.MaxDatagramSize()) > 0);

  // TTL messages queued while the link is cut expire; the counters of this
  // association (and its stream) say so.
  NetUndo guard{"up 1"};
  LabNet("down 1");
  for (int i = 0; i < 10; ++i) {
    SndInfo s = On(1, 1);
    s.assoc_id = id;
    s.pr = PrInfo::Ttl(100ms);
    MUST(ep.WriteMsg(Bytes("ep" + std::to_string(i)), s));
  }
  std::this_thread::sleep_for(800ms);
  LabNet("up 1");
  SndInfo marker = On(0, 0);
  marker.assoc_id = id;
  marker.pr = PrInfo::Reliable();
  MUST(ep.WriteMsg(Bytes("marker"), marker));
  auto got = ReadUntil(server, [](auto& g) { return g[0].size() == 1; }, 30s);
  REQUIRE(got[0].size() == 1);
  CHECK(got[1].size() < 10);
  CHECK(Total(MUST(assoc.GetPrCounters(PrPolicy::kTtl))) >= 10 - got[1].size());
  CHECK(Total(MUST(assoc.GetStreamPrCounters(1))) >= 10 - got[1].size());
}
