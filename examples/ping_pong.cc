// ping_pong: the main demonstration. A server and a client in one process
// exchange messages over a real multi-homed SCTP association on loopback,
// each on its own stream with a telecom PPID, and both sides print the
// association events they see (subscribed before listen and before connect).
// Run it through the lab where the kernel lacks SCTP:
//   tools/sctp-lab run -- build/examples/ping_pong
#include <array>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "netsctp/netsctp.h"

namespace {

using netsctp::EventType;

std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

constexpr EventType kEvents[] = {EventType::kAssocChange, EventType::kPeerAddrChange, EventType::kShutdown};

struct Msg {
  const char* text;
  std::uint16_t sid;
  std::uint32_t ppid;
};
constexpr Msg kMsgs[] = {{"S1 Setup Request", 0, 18}, {"NG Setup Request", 1, 60},
                         {"Capabilities-Exchange-Request", 2, 46}};

// Reads until a data message arrives (printing events on the way) or the
// association ends. Returns the data's length, or -1.
long NextData(netsctp::SctpConn& conn, std::span<std::byte> buf, const char* who) {
  for (;;) {
    auto in = conn.ReadMsgOrEvent(buf);
    if (!in) {
      if (in.error() != netsctp::Errc::kEndOfStream) {
        std::fprintf(stderr, "%s: read: %s\n", who, in.error().message().c_str());
      }
      return -1;
    }
    if (in->IsEvent()) {
      std::printf("%s event: %s\n", who, netsctp::ToString(*in->event).c_str());
      continue;
    }
    std::printf("%s got \"%.*s\" on stream %u, ppid %u\n", who, static_cast<int>(in->msg.n),
                reinterpret_cast<const char*>(buf.data()), in->msg.info.sid, in->msg.info.ppid);
    return static_cast<long>(in->msg.n);
  }
}

void Serve(netsctp::SctpListener& ln) {
  auto conn = ln.Accept();
  if (!conn) {
    std::fprintf(stderr, "server: accept: %s\n", conn.error().message().c_str());
    return;
  }
  std::printf("server accepted %s\n", conn->RemoteAddr().String().c_str());
  std::array<std::byte, 512> buf;
  for (std::size_t i = 0; i < std::size(kMsgs); ++i) {
    if (NextData(*conn, buf, "server") < 0) return;
    const std::string reply = std::string(kMsgs[i].text) + " acknowledged";
    if (auto w = conn->WriteMsg(Bytes(reply), netsctp::SndInfo{.sid = kMsgs[i].sid, .ppid = kMsgs[i].ppid}); !w) {
      std::fprintf(stderr, "server: write: %s\n", w.error().message().c_str());
      return;
    }
  }
  NextData(*conn, buf, "server");  // the client's shutdown: events, then end of stream
  std::printf("server: association ended\n");
}

}  // namespace

int main() {
  netsctp::ListenConfig lc;
  lc.events.assign(std::begin(kEvents), std::end(kEvents));
  auto ln = lc.Listen("sctp", "127.0.0.1/127.0.0.2:0");
  if (!ln) {
    std::fprintf(stderr, "ping_pong: %s (no SCTP in this kernel? try tools/sctp-lab run)\n",
                 ln.error().message().c_str());
    return 1;
  }
  std::printf("server listening on %s\n", ln->Addr().String().c_str());
  std::thread server([&] { Serve(*ln); });

  netsctp::Dialer d;
  d.timeout = std::chrono::seconds(10);
  d.events.assign(std::begin(kEvents), std::end(kEvents));
  auto conn = d.Dial("sctp", ln->Addr().String());
  if (!conn) {
    std::fprintf(stderr, "client: %s\n", conn.error().message().c_str());
    (void)ln->Close();  // wakes the server's Accept
    server.join();
    return 1;
  }
  std::printf("client associated: %s -> %s\n", conn->LocalAddr().String().c_str(),
              conn->RemoteAddr().String().c_str());
  std::array<std::byte, 512> buf;
  std::size_t done = 0;
  for (const Msg& m : kMsgs) {
    if (auto w = conn->WriteMsg(Bytes(m.text), netsctp::SndInfo{.sid = m.sid, .ppid = m.ppid}); !w) {
      std::fprintf(stderr, "client: write: %s\n", w.error().message().c_str());
      break;
    }
    if (NextData(*conn, buf, "client") < 0) break;
    ++done;
  }
  (void)conn->CloseWrite();  // graceful SHUTDOWN: both sides see it as events
  NextData(*conn, buf, "client");
  server.join();
  std::printf("done: %zu round trips\n", done);
  return done == std::size(kMsgs) ? 0 : 1;
}
