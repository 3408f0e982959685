// ngap_server: an NGAP-style server (the 5G core's AMF side of N2) on Asio
// coroutines over netsctp/asio.h, one thread for every association.
//
// NGAP conventions kept: SCTP port 38412, PPID 60 on every message, stream 0
// for common signalling (NG Setup), one stream per UE for UE-associated
// messages (answered on the stream they came on). The messages are fake
// bytes: [pdu type][procedure code][UE id, 4 bytes big-endian][text]. The
// association life cycle is driven by the events the kernel reports
// (COMM_UP, COMM_LOST, RESTART, SHUTDOWN_COMP), which it logs.
//
//   ngap_server [--associations K] [ADDRESS]   serve (ADDRESS 127.0.0.1:38412);
//                                              with K, exit after K associations ended
//   ngap_server --scale N [--rounds R]         scale figures: N concurrent associations
//                                              served by this one thread (see below)
//
// Exit status 0 when every association ended cleanly and every message was
// well formed. Run it through the lab where the kernel lacks SCTP:
//   tools/sctp-lab run -- sh -c 'build/examples/ngap_server --associations 1 & sleep 1;
//                                build/examples/ngap_client; wait'
//
// Scale mode forks a client process (blocking netsctp, one association per
// descriptor) that dials N associations and sends R checksummed messages on
// each, which this process echoes through the Asio adapter; at the steady
// state (all N up, each having echoed once, every coroutine waiting in a read)
// it measures the heap in use (mallinfo2: uordblks + hblkhd), the resident
// set and /proc/self/fd against the same figures taken before the first
// accept, and prints them per association.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ngap_codec.h"
#include "netsctp/asio.h"
#include "netsctp/netsctp.h"

namespace {

using netsctp::AsioAcceptor;
using netsctp::AsioConn;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::EventType;
using netsctp::MsgOrEvent;
using netsctp::SndInfo;
namespace co = asio::experimental;

using namespace ngap;


SndInfo On(std::uint16_t sid) {
  SndInfo i;
  i.sid = sid;
  i.ppid = kNgapPpid;
  return i;
}

const std::vector<EventType> kEvents{EventType::kAssocChange, EventType::kShutdown};

// ---- serving

struct Stats {
  int ended = 0;
  int clean = 0;
  int target = 0;  // stop after this many associations ended; 0: never
};

// Serves one association until it ends. Returns true when it ended cleanly
// (graceful shutdown) and every message was well formed.
asio::awaitable<bool> Serve(AsioConn conn, int id) {
  std::array<std::byte, 2048> buf;
  std::string reply;
  bool ok = true, setup = false;
  for (;;) {
    auto [ec, in] = co_await conn.async_read_msg(buf, co::as_tuple(asio::use_awaitable));
    if (ec) {
      const bool graceful = ec == netsctp::Errc::kEndOfStream;
      std::printf("amf: assoc %d ended: %s\n", id, graceful ? "shut down" : ec.message().c_str());
      co_return ok && graceful && setup;
    }
    if (in.IsEvent()) {
      if (const auto* ac = std::get_if<AssocChangeEvent>(&*in.event)) {
        switch (ac->state) {
          case AssocChangeState::kCommUp:
            std::printf("amf: assoc %d COMM_UP: %u streams out, %u in\n", id, ac->outbound_streams,
                        ac->inbound_streams);
            break;
          case AssocChangeState::kRestart:
            // The peer (a gNB) restarted: its UE contexts are gone, and so must ours be.
            std::printf("amf: assoc %d RESTART: dropping its UE contexts, expecting a new NG Setup\n", id);
            setup = false;
            break;
          case AssocChangeState::kCommLost:
            std::printf("amf: assoc %d COMM_LOST\n", id);
            break;
          case AssocChangeState::kShutdownComp:
            std::printf("amf: assoc %d SHUTDOWN_COMP\n", id);
            break;
          default:
            std::printf("amf: assoc %d %s\n", id, netsctp::ToString(*ac).c_str());
        }
      } else {
        std::printf("amf: assoc %d %s\n", id, netsctp::ToString(*in.event).c_str());
      }
      continue;
    }
    Pdu pdu;
    const auto sid = in.msg.info.sid;
    if (in.msg.info.ppid != kNgapPpid || !Decode(std::span<const std::byte>(buf).first(in.msg.n), pdu)) {
      std::printf("amf: assoc %d: not an NGAP message (ppid %u, %zu bytes)\n", id, in.msg.info.ppid, in.msg.n);
      ok = false;
      continue;
    }
    if (pdu.procedure == kNgSetup && sid == 0) {
      std::printf("amf: assoc %d NG Setup from \"%.*s\"\n", id, static_cast<int>(pdu.text.size()), pdu.text.data());
      Encode(reply, kSuccessful, kNgSetup, 0, "AMF-1");
      setup = true;
    } else if (!setup || sid == 0) {
      std::printf("amf: assoc %d: procedure %u on stream %u before NG Setup or on stream 0\n", id, pdu.procedure,
                  sid);
      ok = false;
      continue;
    } else if (pdu.procedure == kInitialUeMessage) {
      Encode(reply, kInitiating, kDownlinkNasTransport, pdu.ue, "authentication-request");
    } else if (pdu.procedure == kUplinkNasTransport) {
      Encode(reply, kInitiating, kUeContextRelease, pdu.ue, "release");
    } else {
      ok = false;
      continue;
    }
    // UE-associated answers go back on the UE's stream.
    co_await conn.async_write_msg(Bytes(reply), On(sid), asio::use_awaitable);
  }
}

int RunServer(const std::string& address, int associations) {
  asio::io_context ctx(1);
  netsctp::ListenConfig lc;
  lc.events = kEvents;
  lc.init_options.num_ostreams = 64;
  lc.init_options.max_instreams = 64;
  auto ln = lc.Listen("sctp", address);
  if (!ln) {
    std::fprintf(stderr, "amf: listen %s: %s\n", address.c_str(), ln.error().message().c_str());
    return 1;
  }
  auto acceptor = AsioAcceptor::Wrap(ctx.get_executor(), std::move(*ln));
  if (!acceptor) {
    std::fprintf(stderr, "amf: %s\n", acceptor.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "amf: listening on %s\n", acceptor->next_layer().Addr().String().c_str());
  Stats stats{0, 0, associations};
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    for (int id = 1;; ++id) {
      auto [ec, conn] = co_await acceptor->async_accept(co::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        std::fprintf(stderr, "amf: accept: %s\n", ec.message().c_str());
        continue;
      }
      std::printf("amf: assoc %d from %s\n", id, conn.next_layer().RemoteAddr().String().c_str());
      asio::co_spawn(ctx, Serve(std::move(conn), id), [&](std::exception_ptr e, bool clean) {
        ++stats.ended;
        if (!e && clean) ++stats.clean;
        if (stats.target != 0 && stats.ended >= stats.target) (void)acceptor->close();
      });
    }
  }, asio::detached);
  ctx.run();
  std::printf("amf: %d associations served, %d cleanly\n", stats.ended, stats.clean);
  std::fflush(stdout);
  return stats.ended == stats.clean ? 0 : 1;
}

// ---- scale mode

std::uint32_t Fnv1a(std::span<const std::byte> b) {
  std::uint32_t h = 2166136261u;
  for (auto x : b) h = (h ^ std::to_integer<std::uint32_t>(x)) * 16777619u;
  return h;
}
// A message: [u32 sequence][u32 FNV-1a of the rest][filler that depends on both].
void MakeChecked(std::vector<std::byte>& m, std::uint32_t seq) {
  m.resize(64 + seq % 449);
  for (std::size_t i = 8; i < m.size(); ++i) m[i] = static_cast<std::byte>((seq * 31 + i * 7) & 0xff);
  const std::uint32_t sum = Fnv1a(std::span<const std::byte>(m).subspan(8));
  std::memcpy(m.data(), &seq, 4);
  std::memcpy(m.data() + 4, &sum, 4);
}
bool Checked(std::span<const std::byte> m) {
  if (m.size() < 8) return false;
  std::uint32_t sum;
  std::memcpy(&sum, m.data() + 4, 4);
  return sum == Fnv1a(m.subspan(8));
}

long HeapInUse() {
  const struct mallinfo2 mi = ::mallinfo2();
  return static_cast<long>(mi.uordblks + mi.hblkhd);
}
long OpenFds() {
  long n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n - 1;  // the descriptor of the listing itself
}
long RssKiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr int kScaleBuffer = 4096;  // socket buffers: small, so that N associations fit the lab

// The scale client: N blocking associations, R rounds of one message each, echoes checked.
int ScaleClient(std::uint16_t port, int n, int rounds) {
  netsctp::Dialer d;
  d.init_options.num_ostreams = 2;
  d.init_options.max_instreams = 2;
  d.init_options.socket_read_buffer_size = kScaleBuffer;
  d.init_options.socket_write_buffer_size = kScaleBuffer;
  d.timeout = std::chrono::seconds(30);
  std::vector<netsctp::SctpConn> conns;
  conns.reserve(static_cast<std::size_t>(n));
  const std::string target = "127.0.0.1:" + std::to_string(port);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto c = d.Dial("sctp", target);
    if (!c) {
      std::fprintf(stderr, "scale client: dial %d: %s\n", i, c.error().message().c_str());
      return 1;
    }
    conns.push_back(std::move(*c));
  }
  std::fprintf(stderr, "scale client: %d associations up after %.1f s\n", n, Since(t0));
  std::vector<std::byte> m, back(1024);
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < n; ++i) {
      MakeChecked(m, static_cast<std::uint32_t>(r * n + i));
      if (auto w = conns[static_cast<std::size_t>(i)].WriteMsg(m); !w) {
        std::fprintf(stderr, "scale client: write: %s\n", w.error().message().c_str());
        return 1;
      }
    }
    for (int i = 0; i < n; ++i) {
      MakeChecked(m, static_cast<std::uint32_t>(r * n + i));
      auto in = conns[static_cast<std::size_t>(i)].ReadFullMsg(back);
      if (!in || in->n != m.size() || std::memcmp(back.data(), m.data(), m.size()) != 0) {
        std::fprintf(stderr, "scale client: association %d round %d: bad echo (%s)\n", i, r,
                     in ? "content" : in.error().message().c_str());
        return 1;
      }
    }
  }
  std::fprintf(stderr, "scale client: %d rounds checked after %.1f s\n", rounds, Since(t0));
  for (auto& c : conns) (void)c.Close();
  return 0;
}

int RunScale(int n, int rounds) {
  // One descriptor per association here; the blocking client adds a wake-up
  // eventfd per association whose read had to wait.
  const rlim_t want = 3 * static_cast<rlim_t>(n) + 256;
  rlimit rl{want, want};
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    std::fprintf(stderr, "scale: cannot raise RLIMIT_NOFILE to %lu: %s\n", static_cast<unsigned long>(want),
                 std::strerror(errno));
    return 1;
  }
  netsctp::ListenConfig lc;
  lc.init_options.num_ostreams = 2;
  lc.init_options.max_instreams = 2;
  lc.init_options.socket_read_buffer_size = kScaleBuffer;
  lc.init_options.socket_write_buffer_size = kScaleBuffer;
  auto ln = lc.Listen("sctp", "127.0.0.1:0");
  if (!ln) {
    std::fprintf(stderr, "scale: listen: %s\n", ln.error().message().c_str());
    return 1;
  }
  const std::uint16_t port = ln->Addr().port;
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child == 0) {
    (void)ln->Release();  // the child must not close the parent's listener through its object
    ::_exit(ScaleClient(port, n, rounds));
  }

  asio::io_context ctx(1);
  auto acceptor = AsioAcceptor::Wrap(ctx.get_executor(), std::move(*ln));
  if (!acceptor) return 1;
  const long heap0 = HeapInUse(), fds0 = OpenFds(), rss0 = RssKiB();
  long heap1 = 0, fds1 = 0, rss1 = 0;
  int up = 0, first_echoes = 0, ended = 0, bad = 0;
  long echoed = 0;
  const auto t0 = std::chrono::steady_clock::now();

  std::function<void()> watch_done;
  auto serve = [&](AsioConn conn) -> asio::awaitable<void> {
    std::array<std::byte, 1024> buf;  // the application's own per-association read buffer
    bool first = true;
    for (;;) {
      auto [ec, in] = co_await conn.async_read_msg(buf, co::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec != netsctp::Errc::kEndOfStream) ++bad;
        break;
      }
      if (in.IsEvent()) continue;
      const auto msg = std::span<const std::byte>(buf).first(in.msg.n);
      if (!Checked(msg)) ++bad;
      auto [wec, k] = co_await conn.async_write_msg(msg, co::as_tuple(asio::use_awaitable));
      if (wec || k != msg.size()) ++bad;
      ++echoed;
      if (first && ++first_echoes == n) {
        // Steady state: every association up, each coroutine about to wait in a read.
        heap1 = HeapInUse();
        fds1 = OpenFds();
        rss1 = RssKiB();
      }
      first = false;
    }
    if (++ended == n) {
      (void)acceptor->close();
      watch_done();
    }
  };
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    while (up < n) {
      auto [ec, conn] = co_await acceptor->async_accept(co::as_tuple(asio::use_awaitable));
      if (ec) {
        std::fprintf(stderr, "scale: accept: %s\n", ec.message().c_str());
        ++bad;
        co_return;
      }
      ++up;
      asio::co_spawn(ctx, serve(std::move(conn)), asio::detached);
    }
  }, asio::detached);
  // A client that dies early must not leave this loop waiting for ever.
  asio::steady_timer watch(ctx);
  int status = 0;
  bool reaped = false;
  std::function<void()> poll_child = [&] {
    watch.expires_after(std::chrono::milliseconds(500));
    watch.async_wait([&](std::error_code ec) {
      if (ec) return;
      if (::waitpid(child, &status, WNOHANG) == child) {
        reaped = true;
        if (ended < n) {
          std::fprintf(stderr, "scale: the client exited with %d associations still open\n", n - ended);
          ++bad;
          ctx.stop();
        }
        return;
      }
      poll_child();
    });
  };
  watch_done = [&] { watch.cancel(); };
  poll_child();
  ctx.run();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  watch.cancel();
  if (!reaped) ::waitpid(child, &status, 0);
  const bool client_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

  std::printf("scale: %d associations served by one thread through netsctp/asio.h, %d rounds, %ld messages echoed "
              "and checked, %d errors, client %s, %.1f s (lab wall time, not a speed)\n",
              n, rounds, echoed, bad, client_ok ? "ok" : "FAILED", secs);
  std::printf("scale: descriptors per association: %.2f (/proc/self/fd: %ld before, %ld with all up)\n",
              static_cast<double>(fds1 - fds0) / n, fds0, fds1);
  std::printf("scale: user-space heap per association: %.0f B (mallinfo2 uordblks+hblkhd: %ld before the first "
              "accept, %ld with all up and waiting); it includes the coroutine frame with its %zu B read buffer "
              "and the AsioConn (sizeof %zu, of which SctpConn %zu)\n",
              static_cast<double>(heap1 - heap0) / n, heap0, heap1, sizeof(std::array<std::byte, 1024>),
              sizeof(AsioConn), sizeof(netsctp::SctpConn));
  std::printf("scale: resident set per association: %.0f B (VmRSS %ld KiB -> %ld KiB)\n",
              static_cast<double>(rss1 - rss0) * 1024.0 / n, rss0, rss1);
  return bad == 0 && client_ok && echoed == static_cast<long>(n) * rounds ? 0 : 1;
}

int Usage() {
  std::fprintf(stderr,
               "usage: ngap_server [--associations K] [ADDRESS]\n"
               "       ngap_server --scale N [--rounds R]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:38412";
  int associations = 0, scale = 0, rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--associations" && i + 1 < argc) {
      associations = std::atoi(argv[++i]);
    } else if (a == "--scale" && i + 1 < argc) {
      scale = std::atoi(argv[++i]);
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!a.empty() && a[0] != '-') {
      address = a;
    } else {
      return Usage();
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (scale > 0) return RunScale(scale, rounds);
  return RunServer(address, associations);
}
