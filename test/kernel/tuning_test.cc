// Statistics, MAXSEG, path thresholds, AUTH and UDP encapsulation
// (AssocOptions), with the real kernel: each option is checked by its effect
// on traffic between two namespaces, not only read back.
//
// Run (one lab boot):
//   tools/sctp-lab run --timeout 230 --net a-b --net a-b --sysctl net.sctp.udp_port=9899
//     -- tuning_test -r cases
// Topology as in fault_net_test.cc: namespaces a (client) and b (listener),
// link 1 192.0.2.1 - .2, link 2 198.51.100.1 - .2. net.sctp.udp_port opens
// the kernel's SCTP-over-UDP socket in both namespaces; AUTH is switched on
// per socket (SetAuthSupported), not by sysctl, to show that this suffices.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "events_helpers.h"
#include "helpers.h"
#include "netsctp/assoc.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/endpoint.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"
#include "netsctp/sockopt.h"

using namespace ktest;
using netsctp::AssocOptions;
using netsctp::AssocStats;
using netsctp::EventType;
using netsctp::PathThresholds;
using netsctp::PeerAddrState;
using netsctp::SctpConn;

namespace {

constexpr std::uint16_t kUdpPort = 9899;  // net.sctp.udp_port in test/meson.build

void Figure(const std::string& text) { std::cout << "# " << text << '\n' << std::flush; }

struct Assoc {
  netsctp::SctpListener listener;
  SctpConn client;  // in a
  SctpConn server;  // in b
};

// An association from a (bound to `local`) to b (listening on `remote`),
// "h1/h2" host lists; `hook` runs on both sockets before bind/connect.
Assoc Associate(const std::string& local, const std::string& remote, const netsctp::ControlHook& hook = {},
                const netsctp::ControlHook& server_hook = {}) {
  const std::vector<EventType> events = {EventType::kAssocChange, EventType::kPeerAddrChange,
                                         EventType::kSendFailedEvent, EventType::kAuthentication};
  auto rto = evtest::ShortRto();
  auto both = [rto](const netsctp::ControlHook& h) -> netsctp::ControlHook {
    return [rto, h](std::string_view n, std::string_view a, int fd) -> netsctp::Result<void> {
      if (auto r = rto(n, a, fd); !r) return r;
      if (h) return h(n, a, fd);
      return {};
    };
  };
  netsctp::ListenConfig lc;
  lc.events = events;
  lc.control = both(server_hook ? server_hook : hook);
  Assoc as;
  as.listener = MUST(InNetns("b", [&] { return lc.Listen("sctp4", remote + ":0"); }));
  const std::uint16_t port = as.listener.Addr().port;
  netsctp::Dialer d;
  d.timeout = 10s;
  d.events = events;
  d.control = both(hook);
  d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp4", local + ":0"));
  as.client = MUST(InNetns("a", [&] { return d.Dial("sctp4", HostPort(remote, port)); }));
  MUST(as.listener.SetDeadline(In(10s)));
  as.server = MUST(as.listener.Accept());
  return as;
}

Assoc SingleHomed(const netsctp::ControlHook& hook = {}, const netsctp::ControlHook& server_hook = {}) {
  return Associate("192.0.2.1", "192.0.2.2", hook, server_hook);
}

// Sends `n` messages of `size` bytes from `from` and reads them all at `to`.
void Exchange(SctpConn& from, SctpConn& to, int n, std::size_t size) {
  std::thread reader;
  std::vector<std::string> got;
  std::string err;
  reader = std::thread([&] {
    std::vector<std::byte> buf(1 << 16);
    (void)to.SetReadDeadline(In(60s));
    while (static_cast<int>(got.size()) < n) {
      auto r = to.ReadMsgOrEvent(buf);
      if (!r) {
        err = r.error().message();
        return;
      }
      if (!r->IsEvent()) got.push_back(Text(std::span<const std::byte>(buf.data(), r->msg.n)));
    }
  });
  for (int i = 0; i < n; ++i) Send(from, Pattern(size, static_cast<unsigned>(i)));
  reader.join();
  (void)to.SetReadDeadline(netsctp::kNoDeadline);
  INFO("reader: " << err);
  REQUIRE(static_cast<int>(got.size()) == n);
  for (int i = 0; i < n; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == Pattern(size, static_cast<unsigned>(i)));
}

// Reads `c` until a data message or `timeout`; returns the events seen and
// whether data arrived and the read error that ended it, if any.
struct ReadOutcome {
  std::vector<std::string> events;
  std::vector<netsctp::Event> raw;
  bool data = false;
  std::string error;
  bool comm_lost = false;
};
ReadOutcome ReadFor(SctpConn& c, std::chrono::milliseconds timeout, bool stop_at_data = true) {
  ReadOutcome o;
  std::vector<std::byte> buf(1 << 16);
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    (void)c.SetReadDeadline(end);
    auto r = c.ReadMsgOrEvent(buf);
    if (!r) {
      o.error = r.error().message();
      if (r.error() == netsctp::Errc::kTimeout) o.error.clear();
      break;
    }
    if (!r->IsEvent()) {
      o.data = true;
      if (stop_at_data) break;
      continue;
    }
    o.events.push_back(netsctp::ToString(*r->event));
    if (const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&*r->event);
        ac != nullptr && ac->state == netsctp::AssocChangeState::kCommLost)
      o.comm_lost = true;
  }
  (void)c.SetReadDeadline(netsctp::kNoDeadline);
  return o;
}

std::string Lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

}  // namespace

TEST_CASE("statistics count packets, chunks and SACKs, and retransmissions under loss") {
  RequireTopology();
  Assoc as = SingleHomed();
  // Drain COMM_UP so that the counters below see only this test's traffic.
  const AssocStats c0 = MUST(as.client.Options().Stats());
  const AssocStats s0 = MUST(as.server.Options().Stats());
  Exchange(as.client, as.server, 50, 1000);
  // Give the delayed SACK for the last messages time to leave.
  std::this_thread::sleep_for(500ms);
  const AssocStats c1 = MUST(as.client.Options().Stats());
  const AssocStats s1 = MUST(as.server.Options().Stats());
  CHECK(c1.ordered_chunks_out - c0.ordered_chunks_out == 50);
  CHECK(s1.ordered_chunks_in - s0.ordered_chunks_in == 50);
  CHECK(c1.unordered_chunks_out == c0.unordered_chunks_out);
  CHECK(c1.packets_out > c0.packets_out);
  CHECK(s1.packets_in > s0.packets_in);
  CHECK(s1.sacks_out > s0.sacks_out);
  // Nothing is lost on a clean link: every SACK arrives, none reports a gap.
  CHECK(c1.sacks_in - c0.sacks_in == s1.sacks_out - s0.sacks_out);
  CHECK(c1.gap_acks_in == c0.gap_acks_in);
  Figure("clean link, 50 messages: client packets out " + std::to_string(c1.packets_out - c0.packets_out) +
         ", server packets in " + std::to_string(s1.packets_in - s0.packets_in) + ", SACKs " +
         std::to_string(s1.sacks_out - s0.sacks_out) + ", retransmitted " +
         std::to_string(c1.retransmitted_chunks - c0.retransmitted_chunks));
  // Unordered messages are counted apart.
  netsctp::SndInfo u;
  u.flags = netsctp::SndFlags::kUnordered;
  MUST(as.client.WriteMsg(Bytes("unordered"), u));
  REQUIRE(Recv(as.server).data == "unordered");
  CHECK(MUST(as.client.Options().Stats()).unordered_chunks_out == c1.unordered_chunks_out + 1);
  CHECK(MUST(as.server.Options().Stats()).unordered_chunks_in == s1.unordered_chunks_in + 1);

  LabNet("impair 1 loss 20%");
  NetUndo undo{"impair 1 off"};
  const auto t0 = Clock::now();
  Exchange(as.client, as.server, 300, 1000);
  const AssocStats c2 = MUST(as.client.Options().Stats());
  const AssocStats s2 = MUST(as.server.Options().Stats());
  Figure("300 messages at 20% loss in " + std::to_string(MsSince(t0)) + " ms: client retransmitted " +
         std::to_string(c2.retransmitted_chunks - c1.retransmitted_chunks) + " chunks, gap acks in " +
         std::to_string(c2.gap_acks_in - c1.gap_acks_in) + ", server out-of-sequence TSNs " +
         std::to_string(s2.out_of_sequence_tsns - s1.out_of_sequence_tsns) + ", max RTO " +
         std::to_string(c2.max_rto.count()) + " ms on " + c2.max_rto_addr.String());
  CHECK(c2.retransmitted_chunks > c1.retransmitted_chunks);
  CHECK(c2.gap_acks_in > c1.gap_acks_in);
  CHECK(s2.sacks_out > s1.sacks_out);
  CHECK(c2.ordered_chunks_out - c1.ordered_chunks_out >= 300);
}

TEST_CASE("statistics of a one-to-many endpoint's association") {
  RequireTopology();
  netsctp::SctpEndpoint ep =
      MUST(InNetns("b", [] { return netsctp::OpenEndpoint("sctp4", "192.0.2.2:0"); }));
  const std::uint16_t port = ep.Addr().port;
  netsctp::Dialer d;
  d.timeout = 10s;
  SctpConn client = MUST(InNetns("a", [&] { return d.Dial("sctp4", HostPort("192.0.2.2", port)); }));
  for (int i = 0; i < 10; ++i) Send(client, Pattern(200, static_cast<unsigned>(i)), 1);
  std::vector<std::byte> buf(1 << 16);
  MUST(ep.SetReadDeadline(In(10s)));
  int got = 0;
  std::int32_t id = 0;
  while (got < 10) {
    auto m = MUST(ep.ReadFullMsg(buf));
    if (m.msg.Notification()) continue;
    ++got;
    id = m.msg.info.assoc_id;
  }
  REQUIRE(id != 0);
  const AssocOptions opts = MUST(ep.Assoc(id));
  const AssocStats s = MUST(opts.Stats());
  CHECK(s.ordered_chunks_in == 10);
  CHECK(s.packets_in >= 1);
  // Another association id is not this one's: the kernel refuses it.
  AssocOptions other(ep.fd(), id + 1000, port);
  CHECK(ErrOf(other.Stats()) == std::errc::invalid_argument);
}

TEST_CASE("MAXSEG sets the fragmentation point; larger messages still arrive whole") {
  RequireTopology();
  Assoc as = SingleHomed();
  const std::uint32_t before = MUST(as.client.Status()).fragmentation_point;
  CHECK(before > 1000);  // from the 1500-byte MTU of link 1
  CHECK(MUST(as.client.Options().GetMaxSeg()) == before);

  MUST(as.client.Options().SetMaxSeg(600));
  CHECK(MUST(as.client.Options().GetMaxSeg()) == 600);
  CHECK(MUST(as.client.Status()).fragmentation_point == 600);

  const AssocStats c0 = MUST(as.client.Options().Stats());
  const std::string big = Pattern(5000, 7);
  Send(as.client, big);
  Received r = Recv(as.server);
  CHECK(r.data == big);
  CHECK(r.msg.Eor());
  // 5000 bytes in chunks of at most 600: 9 DATA chunks for one message.
  CHECK(MUST(as.client.Options().Stats()).ordered_chunks_out - c0.ordered_chunks_out == 9);

  // Back to the path MTU.
  MUST(as.client.Options().SetMaxSeg(0));
  CHECK(MUST(as.client.Status()).fragmentation_point == before);

  auto bad = as.client.Options().SetMaxSeg(100);
  CHECK(ErrOf(bad) == std::errc::invalid_argument);
  CHECK(MessageOf(bad).find("100") != std::string::npos);
}

TEST_CASE("path thresholds per path and for all; potentially-failed before unreachable") {
  RequireTopology();
  // pf_expose: Linux reports the potentially-failed state in PEER_ADDR_CHANGE
  // only when asked (SCTP_EXPOSE_POTENTIALLY_FAILED_STATE or net.sctp.pf_expose=2).
  Assoc as = Associate("192.0.2.1/198.51.100.1", "192.0.2.2/198.51.100.2");
  const netsctp::IpAddr b1 = Ip("192.0.2.2"), b2 = Ip("198.51.100.2");
  const AssocOptions opts = as.client.Options();

  MUST(opts.SetPathThresholds(PathThresholds{3, 1, 0xffff}));
  CHECK(MUST(opts.GetPathThresholds()) == PathThresholds{3, 1, 0xffff});
  CHECK(MUST(opts.GetPathThresholds(&b1)) == PathThresholds{3, 1, 0xffff});
  CHECK(MUST(opts.GetPathThresholds(&b2)) == PathThresholds{3, 1, 0xffff});
  MUST(opts.SetPathThresholds(PathThresholds{6, 2, 4}, &b2));
  CHECK(MUST(opts.GetPathThresholds(&b2)) == PathThresholds{6, 2, 4});
  CHECK(MUST(opts.GetPathThresholds(&b1)) == PathThresholds{3, 1, 0xffff});
  // The thresholds are the path's retransmission limit as SCTP_PEER_ADDR_PARAMS sees it.
  CHECK(MUST(opts.GetPathParams(&b2)).path_max_retrans == 6);
  // Zero keeps path_max_retrans.
  MUST(opts.SetPathThresholds(PathThresholds{0, 1, 0xffff}, &b2));
  CHECK(MUST(opts.GetPathThresholds(&b2)) == PathThresholds{6, 1, 0xffff});
  // Linux's rule, with a message that says it.
  auto bad = opts.SetPathThresholds(PathThresholds{3, 2, 1}, &b1);
  CHECK(ErrOf(bad) == std::errc::invalid_argument);
  CHECK(MessageOf(bad).find("ps_threshold") != std::string::npos);
  CHECK(MessageOf(bad).find("192.0.2.2") != std::string::npos);
  const netsctp::IpAddr stranger = Ip("203.0.113.9");
  auto nopeer = opts.GetPathThresholds(&stranger);
  CHECK_FALSE(nopeer.has_value());
  CHECK(MessageOf(nopeer).find("203.0.113.9") != std::string::npos);

  sctp_assoc_value expose{};
  expose.assoc_value = 2;  // SCTP_PF_EXPOSE_ENABLE (not in this uapi header)
  MUST(netsctp::SetOption(as.client.fd(), IPPROTO_SCTP, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, expose));
  netsctp::PathParams hb;
  hb.heartbeat_interval = 200;
  hb.heartbeat_enabled = true;
  MUST(as.client.SetPathParams(hb));
  (void)ReadFor(as.client, 300ms);  // COMM_UP and confirmations

  LabNet("down 1");
  NetUndo undo{"up 1"};
  const auto t0 = Clock::now();
  ReadOutcome o;
  bool pf_seen = false, unreachable_seen = false, pf_first = false;
  while (!unreachable_seen && MsSince(t0) < 20000) {
    ReadOutcome part = ReadFor(as.client, 1s);
    for (const auto& e : part.events) {
      o.events.push_back(e);
      if (e.find("PEER_ADDR_CHANGE 192.0.2.2") == std::string::npos) continue;
      if (e.find("POTENTIALLY_FAILED") != std::string::npos || e.find(" PF") != std::string::npos) {
        if (!unreachable_seen) pf_first = true;
        pf_seen = true;
      }
      if (e.find("UNREACHABLE") != std::string::npos) unreachable_seen = true;
    }
  }
  INFO("client events after link 1 went down:" << Lines(o.events));
  Figure("PF then UNREACHABLE in " + std::to_string(MsSince(t0)) + " ms");
  CHECK(pf_seen);
  CHECK(pf_first);
  CHECK(unreachable_seen);
  // Traffic goes on over link 2.
  Send(as.client, "after");
  CHECK(Recv(as.server).data == "after");
}

TEST_CASE("AUTH: a shared key authenticates DATA, keys switch, a mismatch delivers nothing") {
  RequireTopology();
  auto auth = [](std::string key) -> netsctp::ControlHook {
    return [key](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
      AssocOptions o(fd, 0, 0);
      if (auto r = o.SetAuthSupported(true); !r) return r;
      if (auto r = o.AddAuthChunk(0); !r) return r;  // DATA
      if (auto r = o.AddAuthKey(1, Bytes(key)); !r) return r;
      return o.ActivateAuthKey(1);
    };
  };

  SECTION("without AUTH the key calls say what is missing") {
    SctpConn plain = MUST(InNetns("a", [] {
      netsctp::SctpListener l = MUST(netsctp::ListenConfig{}.Listen("sctp4", "127.0.0.1:0"));
      netsctp::Dialer d;
      d.timeout = 5s;
      return d.Dial("sctp4", HostPort("127.0.0.1", l.Addr().port));
    }));
    auto r = plain.Options().AddAuthKey(1, Bytes("k"));
    CHECK(ErrOf(r) == std::errc::permission_denied);
    CHECK(MessageOf(r).find("auth_enable") != std::string::npos);
    CHECK(MessageOf(r).find("SetAuthSupported") != std::string::npos);
    CHECK_FALSE(MUST(plain.Options().AuthSupported()));
    const std::string huge(300, 'k');
    auto h = plain.Options().AddAuthKey(1, Bytes(huge));
    CHECK(ErrOf(h) == std::errc::invalid_argument);
    CHECK(MessageOf(h).find("300") != std::string::npos);
  }

  SECTION("same key: traffic, then a switch to key 2") {
    Assoc as = SingleHomed(auth("shared secret one"));
    // Both ends agreed to AUTH (read on an association: the peer's capability).
    CHECK(MUST(as.client.Options().AuthSupported()));
    CHECK(MUST(as.server.Options().AuthSupported()));
    CHECK(MUST(as.client.Options().ActiveAuthKey()) == 1);
    Exchange(as.client, as.server, 20, 300);
    Exchange(as.server, as.client, 5, 300);

    for (SctpConn* c : {&as.client, &as.server}) {
      MUST(c->Options().AddAuthKey(2, Bytes("shared secret two")));
      MUST(c->Options().ActivateAuthKey(2));
      CHECK(MUST(c->Options().ActiveAuthKey()) == 2);
    }
    for (SctpConn* c : {&as.client, &as.server}) MUST(c->Options().DeleteAuthKey(1));
    // Only key 2 is left on either side, so this traffic is authenticated with it.
    Exchange(as.client, as.server, 20, 300);
    Exchange(as.server, as.client, 5, 300);
    // The active key cannot be deleted.
    CHECK_FALSE(as.client.Options().DeleteAuthKey(2).has_value());
  }

  SECTION("different bytes for key 1: nothing is delivered, nothing is reported") {
    Assoc as = SingleHomed(auth("client's idea of key 1"), auth("server's idea of key 1"));
    // Low retransmission limits: even so the association does not end (see below).
    netsctp::AssocParams ap;
    ap.max_retrans = 3;
    MUST(as.client.SetAssocParams(ap));
    netsctp::PathParams pp;
    pp.path_max_retrans = 3;
    MUST(as.client.SetPathParams(pp));
    (void)ReadFor(as.server, 200ms);  // COMM_UP
    (void)ReadFor(as.client, 200ms);
    const AssocStats c0 = MUST(as.client.Options().Stats());
    const auto t0 = Clock::now();
    Send(as.client, "forged?");
    // The receiver drops DATA whose HMAC does not verify, silently.
    const ReadOutcome srv = ReadFor(as.server, 4s);
    INFO("server: " << Lines(srv.events) << " error " << srv.error);
    CHECK_FALSE(srv.data);
    CHECK(srv.error.empty());
    // The sender is told nothing: it retransmits, the message stays
    // unacknowledged, and (heartbeats being unauthenticated and answered)
    // the path never fails, so the association stays up.
    const ReadOutcome cli = ReadFor(as.client, 2s);
    INFO("client: " << Lines(cli.events) << " error " << cli.error);
    const AssocStats c1 = MUST(as.client.Options().Stats());
    const netsctp::Status st = MUST(as.client.Status());
    Figure("AUTH mismatch, after " + std::to_string(MsSince(t0)) + " ms: " +
           std::to_string(c1.retransmitted_chunks - c0.retransmitted_chunks) + " retransmissions, " +
           std::to_string(st.unack_data) + " unacknowledged, client events:" + Lines(cli.events));
    CHECK(c1.retransmitted_chunks - c0.retransmitted_chunks >= 2);
    CHECK(st.unack_data == 1);
    CHECK(st.Established());
    CHECK_FALSE(cli.comm_lost);
    CHECK(cli.error.empty());
  }
}

TEST_CASE("UDP encapsulation: packets travel as UDP to net.sctp.udp_port") {
  RequireTopology();
  const char* keep = std::getenv("TUNING_PCAP");  // where to keep the capture (default: the run's TMPDIR)
  const std::string pcap =
      keep != nullptr ? std::string(keep)
                      : std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") + "/tuning-udp.pcap";
  const std::string log = pcap + ".log";
  std::remove(pcap.c_str());
  Sh(LabTool() + " net exec b tcpdump -i v1 -nn -U --immediate-mode -w " + pcap + " sctp or udp port " + std::to_string(kUdpPort) + " >" +
     log + " 2>&1 & echo $! >" + pcap + ".pid");
  // tcpdump says "listening on" once it captures.
  bool listening = false;
  for (int i = 0; i < 100 && !listening; ++i) {
    std::this_thread::sleep_for(100ms);
    listening = std::system(("grep -q 'listening on' " + log).c_str()) == 0;
  }
  INFO("tcpdump: " << log);
  REQUIRE(listening);

  auto encaps = [](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    return AssocOptions(fd, 0, 0).SetUdpEncapsPort(kUdpPort);
  };
  Assoc as = SingleHomed(encaps, {});
  CHECK(MUST(as.client.Options().GetUdpEncapsPort()) == kUdpPort);
  const netsctp::IpAddr b1 = Ip("192.0.2.2");
  CHECK(MUST(as.client.Options().GetUdpEncapsPort(&b1)) == kUdpPort);
  // The server learnt the client's UDP port from its packets.
  const netsctp::IpAddr a1 = Ip("192.0.2.1");
  CHECK(MUST(as.server.Options().GetUdpEncapsPort(&a1)) == kUdpPort);
  Exchange(as.client, as.server, 20, 500);
  Exchange(as.server, as.client, 20, 500);
  // Without immediate mode tcpdump would drop what its buffer holds when killed.
  std::this_thread::sleep_for(500ms);
  Sh("kill $(cat " + pcap + ".pid); sleep 0.5");
  // Count the captured UDP packets in each direction.
  auto count = [&](const std::string& filter) {
    const std::string cmd = "tcpdump -r " + pcap + " -nn '" + filter + "' 2>/dev/null | wc -l";
    FILE* f = ::popen(cmd.c_str(), "r");
    REQUIRE(f != nullptr);
    int n = -1;
    REQUIRE(std::fscanf(f, "%d", &n) == 1);
    ::pclose(f);
    return n;
  };
  const int to_b = count("udp and dst host 192.0.2.2 and dst port " + std::to_string(kUdpPort));
  const int to_a = count("udp and dst host 192.0.2.1 and dst port " + std::to_string(kUdpPort));
  // SCTP carried directly in IP (protocol 132), not in UDP, on this
  // association's port (earlier tests' associations may still be closing).
  const int plain = count("sctp port " + std::to_string(as.listener.Addr().port));
  Figure("UDP-encapsulated packets captured on b's link 1: " + std::to_string(to_b) + " to b, " +
         std::to_string(to_a) + " to a; SCTP directly over IP: " + std::to_string(plain));
  // 20 messages each way (DATA may be bundled) and their SACKs.
  CHECK(to_b >= 10);
  CHECK(to_a >= 10);
  CHECK(plain == 0);
}
