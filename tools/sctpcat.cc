// sctpcat: a netcat for SCTP on netsctp. Dials (or listens for) one
// association, sends each line of standard input as one message on a chosen
// stream with a chosen PPID, and prints every message and event it receives
// as one line. Handy for poking at an S1AP/NGAP/Diameter peer by hand and
// for scripted tests; run it through tools/sctp-lab where the kernel lacks SCTP.
//
// With -l -m it listens on a one-to-many endpoint instead and serves any
// number of associations at once, until interrupted or until -c messages have
// arrived: each data line names its association, -E answers on the sender's
// association, and each line of standard input goes to every association
// alive at that moment (the end of standard input ends nothing: peers may
// still come). A write that fails for one association is reported on stderr
// and the others are served on.
//
//   sctpcat -l -e 127.0.0.1/127.0.0.2:36412            # listen, print events too
//   sctpcat -l -m -E 127.0.0.1:36412                   # echo for any number of peers
//   printf 'hello\n' | sctpcat -s 1 -p 60 127.0.0.1:36412
//
// Output, one line per unit received:
//   data sid=1 ssn=0 ppid=60 len=5 unordered=0: hello
//   data assoc=3 sid=1 ssn=0 ppid=60 len=5 unordered=0: hello   (with -m)
//   event ASSOC_CHANGE COMM_UP outbound=10 inbound=10 assoc=3
// Payload bytes outside printable ASCII are shown as \xNN.
#include <unistd.h>

#include <array>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include "netsctp/netsctp.h"

namespace {

struct Options {
  bool listen = false;
  bool many = false;  // -m: one-to-many endpoint, any number of associations
  bool events = false;
  bool echo = false;
  std::string network = "sctp";
  std::string address;
  std::optional<std::string> local;
  std::uint16_t sid = 0;
  std::uint32_t ppid = 0;
  bool unordered = false;
  long count = -1;  // exit after this many data messages received
  int timeout_s = 10;  // dial timeout; with -m, the longest one write may block
};

[[noreturn]] void Usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: sctpcat [options] ADDRESS        dial ADDRESS (h1/h2:port)\n"
               "       sctpcat -l [options] ADDRESS     listen on ADDRESS, serve one association\n"
               "       sctpcat -l -m [options] ADDRESS  listen on ADDRESS, serve any number of\n"
               "                                        associations at once until interrupted\n"
               "  -n NETWORK  sctp (default), sctp4 or sctp6\n"
               "  -s SID      stream for the messages sent (default 0)\n"
               "  -p PPID     payload protocol identifier, host order (default 0; NGAP is 60)\n"
               "  -u          send unordered\n"
               "  -b LOCAL    local addresses to dial from (h1/h2:port)\n"
               "  -m          with -l: one-to-many; data lines show assoc=ID, each line of\n"
               "              standard input goes to every live association, and the end of\n"
               "              standard input ends nothing\n"
               "  -e          subscribe to every event and print it\n"
               "  -E          echo every data message back on its stream with its PPID\n"
               "              (with -m: on its association)\n"
               "  -c COUNT    exit after COUNT data messages received (with -m: in all)\n"
               "  -t SECONDS  dial timeout; with -m, the longest one write may block\n"
               "              (default 10; 0: no limit)\n");
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
  while ((c = getopt(argc, argv, "lmn:s:p:ub:eEc:t:h")) != -1) {
    switch (c) {
      case 'l': o.listen = true; break;
      case 'm': o.many = true; break;
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
  if (o.many && !o.listen) {
    std::fprintf(stderr, "sctpcat: -m serves associations as a listener: use it with -l\n");
    std::exit(2);
  }
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

// One data line; `assoc` is set in one-to-many mode, where a line must say
// which association it came on.
void PrintData(std::optional<std::int32_t> assoc, const netsctp::RcvInfo& info, std::span<const std::byte> data) {
  char tag[24] = "";
  if (assoc) std::snprintf(tag, sizeof tag, "assoc=%d ", *assoc);
  std::printf("data %ssid=%u ssn=%u ppid=%u len=%zu unordered=%d: %s\n", tag, info.sid, info.ssn, info.ppid,
              data.size(), info.Unordered() ? 1 : 0, Printable(data).c_str());
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
      PrintData(std::nullopt, in->msg.info, data);
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

// ---- one-to-many listener (-l -m)

// The associations alive on the endpoint, as its ASSOC_CHANGE events tell:
// the read loop keeps it, the stdin thread sends to a copy of it.
class LiveAssocs {
 public:
  void Track(const netsctp::AssocChangeEvent& ev) {
    using State = netsctp::AssocChangeState;
    const std::lock_guard lock(mu_);
    switch (ev.state) {
      case State::kCommUp: ids_.insert(ev.assoc_id); break;
      case State::kShutdownComp:
      case State::kCommLost:
      case State::kCantStrAssoc: ids_.erase(ev.assoc_id); break;
      case State::kRestart: break;  // same association, same id
    }
  }
  void CopyTo(std::vector<std::int32_t>& out) const {
    const std::lock_guard lock(mu_);
    out.assign(ids_.begin(), ids_.end());
  }

 private:
  mutable std::mutex mu_;
  std::set<std::int32_t> ids_;
};

// Writes from the read loop (echo) and the stdin thread go through here: an
// endpoint takes one writer at a time. Each write may block for at most
// `limit`, so that one peer that stops reading cannot stall the others for
// good (with the default socket-wide send buffer it would).
class EndpointWriter {
 public:
  EndpointWriter(netsctp::SctpEndpoint& ep, std::chrono::seconds limit) : ep_(ep), limit_(limit) {}

  // Sends `data` on association info.assoc_id. A failure is that
  // association's alone (it may have just ended): it is reported and the
  // caller goes on. False only once the endpoint is closed.
  bool Write(std::span<const std::byte> data, const netsctp::SndInfo& info, const char* what) {
    const std::lock_guard lock(mu_);
    if (limit_.count() != 0) (void)ep_.SetWriteDeadline(std::chrono::steady_clock::now() + limit_);
    auto w = ep_.WriteMsg(data, info);
    if (w) return true;
    // Closed while waiting, or already closed: the program is ending.
    if (w.error() == netsctp::Errc::kClosed || w.error() == std::errc::bad_file_descriptor) return false;
    // The library names the association in the context; a timeout has none.
    const std::string why = w.error().context().empty()
                                ? "write to association " + std::to_string(info.assoc_id) + ": " + w.error().message()
                                : w.error().message();
    std::fprintf(stderr, "sctpcat: %s: %s\n", what, why.c_str());
    return true;
  }

 private:
  std::mutex mu_;
  netsctp::SctpEndpoint& ep_;
  const std::chrono::seconds limit_;
};

// Sends each line of stdin to every association alive when it is read.
// The end of input ends nothing: new peers may still come and be echoed.
void BroadcastStdin(EndpointWriter& writer, const LiveAssocs& live, const Options& o) {
  netsctp::SndInfo info{.sid = o.sid, .ppid = o.ppid};
  if (o.unordered) info.flags = netsctp::SndFlags::kUnordered;
  std::vector<std::int32_t> ids;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;  // SCTP has no empty messages
    live.CopyTo(ids);
    if (ids.empty()) std::fprintf(stderr, "sctpcat: send: no association is up; line dropped\n");
    for (const std::int32_t id : ids) {
      info.assoc_id = id;
      if (!writer.Write(std::as_bytes(std::span(line.data(), line.size())), info, "send")) return;
    }
  }
}

int ServeMany(netsctp::SctpEndpoint& ep, const Options& o) {
  LiveAssocs live;
  EndpointWriter writer(ep, std::chrono::seconds(o.timeout_s));
  std::thread sender([&] { BroadcastStdin(writer, live, o); });
  std::array<std::byte, 65536> buf;
  long received = 0;
  int rc = 0;
  while (o.count < 0 || received < o.count) {
    auto in = ep.ReadMsgOrEvent(buf);
    if (!in) {
      // One peer's oversized message is dropped; the others are still served.
      if (in.error() == netsctp::Errc::kMessageTooLarge) {
        (void)Fail("read", in.error());
        continue;
      }
      rc = Fail("read", in.error());
      break;
    }
    if (in->IsEvent()) {
      if (!in->event) continue;
      if (const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&*in->event)) live.Track(*ac);
      if (o.events) std::printf("event %s\n", netsctp::ToString(*in->event).c_str());
    } else {
      const auto data = std::span<const std::byte>(buf).first(in->msg.n);
      PrintData(in->assoc_id, in->msg.info, data);
      ++received;
      if (o.echo) {
        const netsctp::SndInfo back{.sid = in->msg.info.sid, .ppid = in->msg.info.ppid, .assoc_id = in->assoc_id};
        if (!writer.Write(data, back, "echo")) break;
      }
    }
    std::fflush(stdout);
  }
  // Shuts every association down (gracefully, after what was written, unless
  // it still has unread data) and wakes the sender if it is blocked in a
  // write; it may also sit in getline on a terminal, so it is not waited for
  // (main ends the process with _Exit).
  (void)ep.Close();
  sender.detach();
  std::fflush(stdout);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::vector<netsctp::EventType> events;
  if (o.events) events.assign(netsctp::kAllEventTypes.begin(), netsctp::kAllEventTypes.end());

  if (o.listen && o.many) {
    netsctp::EndpointConfig ec;
    // Without -e the defaults stay: ASSOC_CHANGE is needed to know the live associations.
    if (o.events) ec.events = events;
    auto ep = ec.Open(o.network, o.address);
    if (!ep) return Fail("listen", ep.error());
    std::fprintf(stderr, "sctpcat: listening on %s (one-to-many)\n", ep->Addr().String().c_str());
    const int rc = ServeMany(*ep, o);
    std::_Exit(rc);  // a detached sender may still hold stdin
  }

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
