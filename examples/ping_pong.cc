// ping_pong: the main demonstration. A server and a client in one process
// exchange messages over a real multi-homed SCTP association on loopback,
// each on its own stream with a telecom PPID, and print what the receiving
// side saw. Run it through the lab where the kernel lacks SCTP:
//   tools/sctp-lab run -- build/examples/ping_pong
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "netsctp/netsctp.h"

namespace {

std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Reads one whole message and prints it with its stream and PPID.
bool Show(netsctp::SctpConn& conn, const char* who) {
  std::array<std::byte, 512> buf;
  auto m = conn.ReadFullMsg(buf);
  if (!m) {
    std::fprintf(stderr, "%s: read: %s\n", who, m.error().message().c_str());
    return false;
  }
  std::printf("%s got \"%.*s\" on stream %u, ppid %u, ssn %u\n", who, static_cast<int>(m->n),
              reinterpret_cast<const char*>(buf.data()), m->info.sid, m->info.ppid, m->info.ssn);
  return true;
}

}  // namespace

int main() {
  auto ln = netsctp::Listen("sctp", "127.0.0.1/127.0.0.2:0");
  if (!ln) {
    std::fprintf(stderr, "ping_pong: %s (no SCTP in this kernel? try tools/sctp-lab run)\n",
                 ln.error().message().c_str());
    return 1;
  }
  std::printf("server listening on %s\n", ln->Addr().String().c_str());

  struct Msg {
    const char* text;
    std::uint16_t sid;
    std::uint32_t ppid;
  };
  static constexpr Msg kMsgs[] = {{"S1 Setup Request", 0, 18}, {"NG Setup Request", 1, 60},
                                  {"Capabilities-Exchange-Request", 2, 46}};

  std::thread server([&] {
    auto conn = ln->Accept();
    if (!conn) {
      std::fprintf(stderr, "server: accept: %s\n", conn.error().message().c_str());
      return;
    }
    std::printf("server accepted %s\n", conn->RemoteAddr().String().c_str());
    for (const Msg& m : kMsgs) {
      if (!Show(*conn, "server")) return;
      const std::string reply = std::string(m.text) + " acknowledged";
      if (auto w = conn->WriteMsg(Bytes(reply), netsctp::SndInfo{.sid = m.sid, .ppid = m.ppid}); !w) {
        std::fprintf(stderr, "server: write: %s\n", w.error().message().c_str());
        return;
      }
    }
  });

  auto conn = netsctp::Dial("sctp", ln->Addr().String());
  if (!conn) {
    std::fprintf(stderr, "client: %s\n", conn.error().message().c_str());
    server.join();
    return 1;
  }
  std::printf("client associated: %s -> %s\n", conn->LocalAddr().String().c_str(),
              conn->RemoteAddr().String().c_str());
  int done = 0;
  for (const Msg& m : kMsgs) {
    if (auto w = conn->WriteMsg(Bytes(m.text), netsctp::SndInfo{.sid = m.sid, .ppid = m.ppid}); !w) {
      std::fprintf(stderr, "client: write: %s\n", w.error().message().c_str());
      break;
    }
    if (!Show(*conn, "client")) break;
    ++done;
  }
  server.join();
  std::printf("done: %d round trips\n", done);
  return done == static_cast<int>(std::size(kMsgs)) ? 0 : 1;
}
