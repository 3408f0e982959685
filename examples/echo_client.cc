// echo_client: dials echo_server, sends a few messages, each on its own
// stream with its own PPID, and checks that each comes back unchanged.
//
//   echo_client [ADDRESS]   ADDRESS "h1/h2:port" (default 127.0.0.1:9899)
//
// Exit status 0 when every echo matched. Where the kernel has no SCTP:
// tools/sctp-lab run -- sh -c 'echo_server 127.0.0.1:9899 1 & sleep 1; echo_client'
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "netsctp/netsctp.h"

int main(int argc, char** argv) {
  const char* address = argc > 1 ? argv[1] : "127.0.0.1:9899";
  netsctp::Dialer dialer;
  dialer.timeout = std::chrono::seconds(5);  // without it a silent peer is retried for minutes
  dialer.init_options.num_ostreams = 4;      // streams 0-3; the peer may grant fewer
  auto conn = dialer.Dial("sctp", address);
  if (!conn) {
    std::fprintf(stderr, "echo_client: %s\n", conn.error().message().c_str());  // e.g. connection refused
    return 1;
  }
  struct Out {
    std::uint16_t sid;   // stream: ordering holds within a stream, not across them
    std::uint32_t ppid;  // payload protocol id: a label for the application, SCTP ignores it
    std::string_view text;
  };
  constexpr Out kOut[] = {{0, 46, "hello on stream 0"}, {1, 60, "hello on stream 1"}, {3, 18, "and on stream 3"}};
  std::array<std::byte, 2048> buf;
  for (const Out& o : kOut) {
    // Text or any contiguous byte range goes as one message.
    if (auto w = conn->WriteMsg(o.text, netsctp::SndInfo{.sid = o.sid, .ppid = o.ppid}); !w) {
      std::fprintf(stderr, "echo_client: write: %s\n", w.error().message().c_str());
      return 1;
    }
    auto m = conn->ReadFullMsg(buf);  // one whole message; info says stream and PPID
    if (!m) {
      std::fprintf(stderr, "echo_client: read: %s\n", m.error().message().c_str());
      return 1;
    }
    const std::string_view got = m->Text();  // exactly the message's bytes, in buf
    const bool same = got == o.text && m->info.sid == o.sid && m->info.ppid == o.ppid;
    std::printf("%s: \"%.*s\" on stream %u, ppid %u\n", same ? "echoed" : "MISMATCH", static_cast<int>(got.size()),
                got.data(), m->info.sid, m->info.ppid);
    if (!same) return 1;
  }
  // Close() starts SCTP's graceful SHUTDOWN: the server reads end of stream.
  if (auto c = conn->Close(); !c) std::fprintf(stderr, "echo_client: close: %s\n", c.error().message().c_str());
  return 0;
}
