// sctpcat: a netcat for SCTP on netsctp. Dials (or listens for) one
// association, sends each line of standard input as one message on a chosen
// stream with a chosen PPID, and prints every message and event it receives
// as one line. Handy for poking at an S1AP/NGAP/Diameter peer by hand and
// for scripted tests; run it through tools/sctp-lab where the kernel lacks SCTP.
//
//   sctpcat -l -e 127.0.0.1/127.0.0.2:36412            # listen, print events too
//   printf 'hello\n' | sctpcat -s 1 -p 60 127.0.0.1:36412
//
// Output, one line per unit received:
//   data sid=1 ssn=0 ppid=60 len=5 unordered=0: hello
//   event ASSOC_CHANGE COMM_UP outbound=10 inbound=10 assoc=3
// Payload bytes outside printable ASCII are shown as \xNN.
#include <unistd.h>

#include <array>
#include <cerrno>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "netsctp/netsctp.h"

namespace {

struct Options {
  bool listen = false;
  bool events = false;
  bool echo = false;
  std::string network = "sctp";
  std::string address;
  std::optional<std::string> local;
  std::uint16_t sid = 0;
  std::uint32_t ppid = 0;
  bool unordered = false;
  long count = -1;  // exit after this many data messages received
  int timeout_s = 10;
};

[[noreturn]] void Usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: sctpcat [options] ADDRESS      dial ADDRESS (h1/h2:port)\n"
               "       sctpcat -l [options] ADDRESS   listen on ADDRESS, serve one association\n"
               "  -n NETWORK  sctp (default), sctp4 or sctp6\n"
               "  -s SID      stream for the messages sent (default 0)\n"
               "  -p PPID     payload protocol identifier, host order (default 0; NGAP is 60)\n"
               "  -u          send unordered\n"
               "  -b LOCAL    local addresses to dial from (h1/h2:port)\n"
               "  -e          subscribe to every event and print it\n"
               "  -E          echo every data message back on its stream with its PPID\n"
               "  -c COUNT    exit after COUNT data messages received\n"
               "  -t SECONDS  dial timeout (default 10)\n");
  std::exit(code);
}

// Numbers must be whole and in range: a typo must not become stream 0.
template <typename T>
T Number(const char* flag, const char* text, unsigned long long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > max || text[0] == '-') {
    std::fprintf(stderr, "sctpcat: %s: \"%s\" is not a number from 0 to %llu\n", flag, text, max);
    std::exit(2);
  }
  return static_cast<T>(v);
}

Options Parse(int argc, char** argv) {
  Options o;
  int c;
  while ((c = getopt(argc, argv, "ln:s:p:ub:eEc:t:h")) != -1) {
    switch (c) {
      case 'l': o.listen = true; break;
      case 'n': o.network = optarg; break;
      case 's': o.sid = Number<std::uint16_t>("-s", optarg, 65535); break;
      case 'p': o.ppid = Number<std::uint32_t>("-p", optarg, 0xffffffffULL); break;
      case 'u': o.unordered = true; break;
      case 'b': o.local = optarg; break;
      case 'e': o.events = true; break;
      case 'E': o.echo = true; break;
      case 'c': o.count = Number<long>("-c", optarg, 1'000'000'000); break;
      case 't': o.timeout_s = Number<int>("-t", optarg, 86'400); break;
      case 'h': Usage(0);
      default: Usage(2);
    }
  }
  if (optind != argc - 1) Usage(2);
  o.address = argv[optind];
  return o;
}

std::string Printable(std::span<const std::byte> bytes) {
  std::string out;
  for (std::byte b : bytes) {
    const auto u = static_cast<unsigned char>(b);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out += static_cast<char>(u);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    }
  }
  return out;
}

int Fail(const char* what, const netsctp::Error& e) {
  std::fprintf(stderr, "sctpcat: %s: %s\n", what, e.message().c_str());
  return 1;
}

// Sends each line of stdin as one message, then starts a graceful shutdown.
void SendStdin(netsctp::SctpConn& conn, const Options& o, std::atomic<bool>& failed) {
  netsctp::SndInfo info{.sid = o.sid, .ppid = o.ppid};
  if (o.unordered) info.flags = netsctp::SndFlags::kUnordered;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;  // SCTP has no empty messages
    if (auto w = conn.WriteMsg(std::as_bytes(std::span(line.data(), line.size())), info); !w) {
      if (w.error() != netsctp::Errc::kClosed) Fail("write", w.error());
      failed = true;
      return;
    }
  }
  // Standard input ended: shut down unless we are still to read a count.
  if (o.count < 0) (void)conn.CloseWrite();
}

int Serve(netsctp::SctpConn& conn, const Options& o) {
  std::atomic<bool> failed{false};
  std::thread sender([&] { SendStdin(conn, o, failed); });
  std::array<std::byte, 65536> buf;
  long received = 0;
  int rc = 0;
  while (o.count < 0 || received < o.count) {
    auto in = conn.ReadMsgOrEvent(buf);
    if (!in) {
      if (in.error() != netsctp::Errc::kEndOfStream) rc = Fail("read", in.error());
      break;
    }
    if (in->IsEvent()) {
      std::printf("event %s\n", netsctp::ToString(*in->event).c_str());
    } else {
      const auto data = std::span<const std::byte>(buf).first(in->msg.n);
      std::printf("data sid=%u ssn=%u ppid=%u len=%zu unordered=%d: %s\n", in->msg.info.sid, in->msg.info.ssn,
                  in->msg.info.ppid, in->msg.n, in->msg.info.Unordered() ? 1 : 0, Printable(data).c_str());
      ++received;
      if (o.echo) {
        const netsctp::SndInfo back{.sid = in->msg.info.sid, .ppid = in->msg.info.ppid};
        if (auto w = conn.WriteMsg(data, back); !w) {
          rc = Fail("echo", w.error());
          break;
        }
      }
    }
    std::fflush(stdout);
  }
  (void)conn.Close();  // also wakes the sender if it is blocked in a write
  // The sender may sit in getline on a terminal: do not wait for it (main
  // ends the process with _Exit).
  sender.detach();
  std::fflush(stdout);
  return rc != 0 || failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::vector<netsctp::EventType> events;
  if (o.events) events.assign(netsctp::kAllEventTypes.begin(), netsctp::kAllEventTypes.end());

  if (o.listen) {
    netsctp::ListenConfig lc;
    lc.events = events;
    auto ln = lc.Listen(o.network, o.address);
    if (!ln) return Fail("listen", ln.error());
    std::fprintf(stderr, "sctpcat: listening on %s\n", ln->Addr().String().c_str());
    auto conn = ln->Accept();
    if (!conn) return Fail("accept", conn.error());
    std::fprintf(stderr, "sctpcat: association from %s\n", conn->RemoteAddr().String().c_str());
    (void)ln->Close();
    const int rc = Serve(*conn, o);
    std::_Exit(rc);  // a detached sender may still hold stdin
  }

  netsctp::Dialer d;
  d.events = events;
  d.timeout = std::chrono::seconds(o.timeout_s);
  if (o.local) {
    auto l = netsctp::ResolveSctpAddr(o.network, *o.local);
    if (!l) return Fail("local address", l.error());
    d.local_addr = *l;
  }
  auto conn = d.Dial(o.network, o.address);
  if (!conn) return Fail("dial", conn.error());
  std::fprintf(stderr, "sctpcat: associated %s -> %s\n", conn->LocalAddr().String().c_str(),
               conn->RemoteAddr().String().c_str());
  const int rc = Serve(*conn, o);
  std::_Exit(rc);
}
