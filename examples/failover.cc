// failover: a multi-homed association that survives the loss of a path.
//
// Both ends bind two addresses, one per network, so the association has two
// paths each way. The client sends a numbered message every 100 ms and waits
// for its echo; both ends print the PEER_ADDR_CHANGE events the kernel
// reports and, after each, the state of every path and which one is the
// primary. Cut the primary path's link meanwhile: the peer address turns
// UNREACHABLE, the kernel carries on over the other path (messages keep
// being echoed), and when the link returns it turns AVAILABLE again.
//
//   failover server LOCAL              e.g. failover server 192.0.2.2/198.51.100.2:5060
//   failover client LOCAL REMOTE [N]   e.g. failover client 192.0.2.1/198.51.100.1:0
//                                               192.0.2.2/198.51.100.2:5060
//
// The client sends N messages (default: until Ctrl-C or SIGTERM), shuts the
// association down and exits 0 when every one was echoed; the server serves
// one association and exits 0 when it ends cleanly.
// In the lab, with two namespaces joined by two links (docs/sctp-lab.md;
// the lab passes its own path in as $SCTP_LAB_TOOL), binaries on the PATH:
//   tools/sctp-lab run --net a-b --net a-b -- bash -c 'L=$SCTP_LAB_TOOL
//     $L net exec b failover server 192.0.2.2/198.51.100.2:5060 &
//     sleep 1; $L net exec a failover client 192.0.2.1/198.51.100.1:0 192.0.2.2/198.51.100.2:5060 &
//     sleep 4; $L net down 1; sleep 3; $L net up 1; sleep 4; kill -INT $!; wait'
//
// What a user must know:
// - Failover speed is set per association: the kernel's defaults (RTO 1-60 s,
//   heartbeat every 30 s, 5 retransmissions per path) take about a minute to notice
//   a dead path. The short values below notice it in about 2 s; on a
//   real network keep the RTO minimum above the paths' round-trip time.
// - A path counts only once confirmed by a heartbeat; until then the
//   association cannot fail over to it. Cut a link only once both ends have
//   printed "all 2 paths active" (the client waits for it before sending).
// - The primary is a setting: the kernel keeps it while it is unreachable and
//   sends on another active path meanwhile, then returns to it.
#include <array>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "netsctp/netsctp.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
const Clock::time_point kStart = Clock::now();

// Prints one line prefixed with the seconds since the start.
[[gnu::format(printf, 2, 3)]] void Log(const char* who, const char* fmt, ...) {
  std::printf("[%6.2f] %s: ", std::chrono::duration<double>(Clock::now() - kStart).count(), who);
  std::va_list args;
  va_start(args, fmt);
  std::vprintf(fmt, args);
  va_end(args);
  std::printf("\n");
  std::fflush(stdout);
}

const char* StateName(netsctp::PathState s) {
  switch (s) {
    case netsctp::PathState::kActive:
      return "ACTIVE";
    case netsctp::PathState::kInactive:
      return "INACTIVE";
    case netsctp::PathState::kPotentiallyFailed:
      return "POTENTIALLY_FAILED";
    case netsctp::PathState::kUnconfirmed:
      return "UNCONFIRMED";
    default:
      return "UNKNOWN";
  }
}

// Prints every path's state, the primary marked, and "all N paths active"
// when they are; returns whether they are. `quiet`: prints only then.
bool LogPaths(const char* who, const netsctp::SctpConn& conn, bool quiet = false) {
  auto paths = conn.GetPeerAddrInfos();
  auto primary = conn.GetPrimaryAddr();
  if (!paths || !primary) return false;
  std::string line;
  bool all_active = true;
  for (const netsctp::PeerAddrInfo& p : *paths) {
    line += " " + p.addr.String() + " " + StateName(p.state) + (p.addr == *primary ? " (primary)" : "");
    all_active = all_active && p.state == netsctp::PathState::kActive;
  }
  if (quiet && !all_active) return false;
  Log(who, "paths:%s", line.c_str());
  if (all_active) Log(who, "all %zu paths active", paths->size());
  return all_active;
}

// Quick failure detection: RTO 200-1000 ms, a heartbeat every 500 ms on
// every path, a path declared unreachable once 2 retransmissions in a row
// have timed out: a dead path is noticed in about 2 s. (An RTO minimum of
// 100 ms marked healthy paths potentially failed on a loaded test machine.)
bool Tune(const char* who, netsctp::SctpConn& conn) {
  netsctp::PathParams pp;
  pp.heartbeat_enabled = true;
  pp.heartbeat_interval = 500;
  pp.path_max_retrans = 2;
  auto rto = conn.SetRtoInfo({.initial = 500, .min = 200, .max = 1000});
  auto path = conn.SetPathParams(pp);
  if (!rto || !path) {
    Log(who, "tuning failed: %s", (!rto ? rto.error() : path.error()).message().c_str());
    return false;
  }
  return true;
}

// Waits until every path is confirmed and active (a few heartbeats).
bool WaitForPaths(const char* who, netsctp::SctpConn& conn) {
  for (auto until = Clock::now() + 10s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
    if (LogPaths(who, conn, /*quiet=*/true)) return true;
  }
  LogPaths(who, conn);
  Log(who, "paths not all active after 10 s");
  return false;
}

// Prints an event; after a path event, the paths too.
void OnEvent(const char* who, const netsctp::SctpConn& conn, const netsctp::Event& ev) {
  Log(who, "event %s", netsctp::ToString(ev).c_str());
  if (std::holds_alternative<netsctp::PeerAddrChangeEvent>(ev)) LogPaths(who, conn);
}

// Events are subscribed before the association starts (Dialer::events,
// ListenConfig::events) so that none is missed.
const std::vector<netsctp::EventType> kEvents = {netsctp::EventType::kAssocChange, netsctp::EventType::kPeerAddrChange,
                                                 netsctp::EventType::kShutdown};

int Server(std::string_view local) {
  const char* who = "server";
  netsctp::ListenConfig lc;
  lc.events = kEvents;
  auto ln = lc.Listen("sctp", local);
  if (!ln) {
    Log(who, "%s", ln.error().message().c_str());
    return 1;
  }
  Log(who, "listening on %s", ln->Addr().String().c_str());
  auto conn = ln->Accept();
  if (!conn) {
    Log(who, "accept: %s", conn.error().message().c_str());
    return 1;
  }
  Log(who, "association from %s", conn->RemoteAddr().String().c_str());
  // The server tunes its side too: it must notice the dead path to answer
  // over the other one. It echoes at once; its paths are confirmed meanwhile
  // (the PEER_ADDR_CHANGE CONFIRMED events).
  if (!Tune(who, *conn)) return 1;
  LogPaths(who, *conn);
  std::array<std::byte, 2048> buf;
  for (;;) {
    auto in = conn->ReadMsgOrEvent(buf);
    if (!in) {
      const bool clean = in.error() == netsctp::Errc::kEndOfStream;
      Log(who, "association ended: %s", clean ? "shut down by the client" : in.error().message().c_str());
      return clean ? 0 : 1;
    }
    if (in->IsEvent()) {
      OnEvent(who, *conn, *in->event);
      continue;
    }
    const netsctp::SndInfo reply{.sid = in->msg.info.sid, .ppid = in->msg.info.ppid};
    if (auto w = conn->WriteMsg(std::span(buf).first(in->msg.n), reply); !w) {
      Log(who, "write: %s", w.error().message().c_str());
      return 1;
    }
  }
}

// Set by SIGINT/SIGTERM: the client stops sending and shuts down cleanly.
volatile std::sig_atomic_t stop = 0;

// Sends `count` messages (0: until SIGINT or SIGTERM), each once the
// previous one was echoed.
int Client(std::string_view local, std::string_view remote, int count) {
  const char* who = "client";
  netsctp::Dialer d;
  d.timeout = 10s;
  d.events = kEvents;
  auto laddr = netsctp::ResolveSctpAddr("sctp", local);  // port 0: the kernel picks one
  if (!laddr) {
    Log(who, "%s", laddr.error().message().c_str());
    return 1;
  }
  d.local_addr = *laddr;
  // The first remote address is the initial primary path.
  auto conn = d.Dial("sctp", remote);
  if (!conn) {
    Log(who, "%s", conn.error().message().c_str());
    return 1;
  }
  Log(who, "associated %s -> %s", conn->LocalAddr().String().c_str(), conn->RemoteAddr().String().c_str());
  if (!Tune(who, *conn) || !WaitForPaths(who, *conn)) return 1;
  std::array<std::byte, 2048> buf;
  int echoed = 0;
  std::signal(SIGINT, [](int) { stop = 1; });
  std::signal(SIGTERM, [](int) { stop = 1; });
  int i = 1;
  for (; (count == 0 || i <= count) && !stop; ++i) {
    const std::string text = "message " + std::to_string(i);
    const auto sent_at = Clock::now();
    const netsctp::SndInfo info{.sid = static_cast<std::uint16_t>(i % 2), .ppid = 99};
    if (auto w = conn->WriteMsg(std::as_bytes(std::span(text)), info); !w) {
      Log(who, "write %s: %s", text.c_str(), w.error().message().c_str());
      return 1;
    }
    // Read until its echo, printing events; a deadline bounds the wait.
    (void)conn->SetReadDeadline(Clock::now() + 10s);
    for (;;) {
      auto in = conn->ReadMsgOrEvent(buf);
      if (!in) {
        Log(who, "waiting for the echo of %s: %s", text.c_str(), in.error().message().c_str());
        return 1;
      }
      if (in->IsEvent()) {
        OnEvent(who, *conn, *in->event);
        continue;
      }
      const std::string_view got(reinterpret_cast<const char*>(buf.data()), in->msg.n);
      if (got != text) {
        Log(who, "echo \"%.*s\" for %s", static_cast<int>(got.size()), got.data(), text.c_str());
        return 1;
      }
      break;
    }
    ++echoed;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent_at).count();
    Log(who, "echo %d in %lld ms", i, static_cast<long long>(ms));
    std::this_thread::sleep_for(100ms);
  }
  Log(who, "%d of %d messages echoed", echoed, i - 1);
  LogPaths(who, *conn);
  (void)conn->SetReadDeadline(netsctp::kNoDeadline);
  // Graceful end: SHUTDOWN, then read until the association is gone.
  (void)conn->CloseWrite();
  for (;;) {
    auto in = conn->ReadMsgOrEvent(buf);
    if (!in) break;
    if (in->IsEvent()) OnEvent(who, *conn, *in->event);
  }
  return echoed == i - 1 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "server" && argc == 3) return Server(argv[2]);
  if (mode == "client" && (argc == 4 || argc == 5))
    return Client(argv[2], argv[3], argc == 5 ? std::atoi(argv[4]) : 0);
  std::fprintf(stderr,
               "usage: failover server LOCAL_ADDRS:PORT\n"
               "       failover client LOCAL_ADDRS:0 REMOTE_ADDRS:PORT [COUNT]\n");
  return 2;
}
