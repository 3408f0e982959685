// echo_server: the smallest useful netsctp server. Every message comes back
// whole, on the stream it arrived on, with its PPID. Pair it with echo_client.
//
//   echo_server [ADDRESS [COUNT]]   ADDRESS "h1/h2:port" (default 127.0.0.1:9899);
//                                   exits after COUNT associations (default: never)
//
// Associations are served one after another; examples/epoll_server.cc serves
// many at once. Where the kernel has no SCTP: tools/sctp-lab run -- CMD.
#include <array>
#include <cstdio>
#include <cstdlib>

#include "netsctp/netsctp.h"

int main(int argc, char** argv) {
  const char* address = argc > 1 ? argv[1] : "127.0.0.1:9899";
  const long count = argc > 2 ? std::atol(argv[2]) : -1;
  // Several hosts ("192.0.2.2/198.51.100.2:9899") make one multi-homed socket.
  auto ln = netsctp::Listen("sctp", address);
  if (!ln) {
    std::fprintf(stderr, "echo_server: %s\n", ln.error().message().c_str());  // names the address and cause
    return 1;
  }
  std::printf("listening on %s\n", ln->Addr().String().c_str());
  std::fflush(stdout);
  // SCTP keeps message boundaries: one read is one message, never a byte run.
  std::array<std::byte, 64 * 1024> buf;
  for (long served = 0; served != count; ++served) {
    auto conn = ln->Accept();  // blocks; one SctpConn per association
    if (!conn) {
      std::fprintf(stderr, "echo_server: accept: %s\n", conn.error().message().c_str());
      return 1;
    }
    std::printf("association from %s\n", conn->RemoteAddr().String().c_str());
    for (;;) {
      // ReadFullMsg: a whole message (ReadMsg may return a large one in pieces).
      auto m = conn->ReadFullMsg(buf);
      if (!m) {  // kEndOfStream: the peer shut down cleanly; anything else ends it too
        const bool clean = m.error() == netsctp::Errc::kEndOfStream;
        std::printf("association %s%s\n", clean ? "shut down by the peer" : "closed: ",
                    clean ? "" : m.error().message().c_str());
        break;
      }
      if (m->Notification()) continue;  // only if events were subscribed: none here
      // Reply on the same stream with the same PPID (host order in netsctp).
      const netsctp::SndInfo reply{.sid = m->info.sid, .ppid = m->info.ppid};
      if (auto w = conn->WriteMsg(m->data, reply); !w) {  // m->data: exactly the message
        std::fprintf(stderr, "echo_server: write: %s\n", w.error().message().c_str());
        break;
      }
    }
  }  // ~SctpConn closes each association, ~SctpListener the socket
  return 0;
}
