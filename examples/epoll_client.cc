// epoll_client: dials many SCTP associations from one thread with epoll
// (Dialer::DialStart + SctpConn::FinishConnect), sends checksummed messages
// on each, one at a time, and checks every echo (epoll_server's). All the
// associations stay open until every one is done, so that they are all held
// at once; then they are closed. Exit status 0 only when every association
// came up and every echo was right.
//
// usage: epoll_client [-n ASSOCS] [-m MSGS] [-c DIALING] [-w SECONDS] [-v] [-s] HOST:PORT
//   -n ASSOCS   associations (default 100)
//   -m MSGS     messages per association (default 10)
//   -c DIALING  dials in progress at once (default 200): the server's accept
//               queue and the INIT exchange are bounded, so dial in waves
//   -w SECONDS  give up after this long (default 300)
//   -v          log events
//   -s          print the footprint (memory, descriptors) with all associations open
// See docs/event-loops.md.
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "footprint.h"
#include "netsctp/netsctp.h"

namespace {

using Clock = std::chrono::steady_clock;
using netsctp::EventType;

constexpr std::uint16_t kStreams = 4;

// ---- checksummed messages
//
// Layout (host order): association number, sequence number, total length,
// FNV-1a of the payload, then the payload, which depends on the first two.
// An echo is checked against its header alone, so nothing sent is kept.
constexpr std::size_t kHeader = 16;

std::uint32_t Fnv(std::span<const std::byte> b) {
  std::uint32_t h = 2166136261u;
  for (std::byte x : b) h = (h ^ static_cast<std::uint32_t>(x)) * 16777619u;
  return h;
}
void Put32(std::byte* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
std::uint32_t Get32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// The stream and PPID a message goes on: both must come back with the echo.
netsctp::SndInfo InfoOf(std::uint32_t seq) {
  netsctp::SndInfo i;
  i.sid = static_cast<std::uint16_t>(seq % kStreams);
  i.ppid = 1000 + seq;
  return i;
}

void MakeMsg(std::vector<std::byte>& out, std::uint32_t assoc, std::uint32_t seq) {
  std::uint32_t x = assoc * 2654435761u + seq * 40503u + 1;
  out.resize(kHeader + x % 500);  // 16 to 515 bytes
  for (std::size_t i = kHeader; i < out.size(); ++i) {
    x = x * 1103515245u + 12345u;
    out[i] = static_cast<std::byte>(x >> 24);
  }
  Put32(out.data(), assoc);
  Put32(out.data() + 4, seq);
  Put32(out.data() + 8, static_cast<std::uint32_t>(out.size()));
  Put32(out.data() + 12, Fnv(std::span<const std::byte>(out).subspan(kHeader)));
}

// Empty when `got` is the echo of message `seq` of `assoc`, else what is wrong.
std::string CheckEcho(std::span<const std::byte> got, const netsctp::Message& m, std::uint32_t assoc, std::uint32_t seq) {
  if (got.size() < kHeader || Get32(got.data() + 8) != got.size()) return "truncated";
  if (Get32(got.data()) != assoc) return "another association's message";
  if (Get32(got.data() + 4) != seq) return "expected seq " + std::to_string(seq) + ", got " + std::to_string(Get32(got.data() + 4));
  if (Get32(got.data() + 12) != Fnv(got.subspan(kHeader))) return "bad checksum";
  const netsctp::SndInfo want = InfoOf(seq);
  if (!m.has_info || m.info.sid != want.sid || m.info.ppid != want.ppid) return "wrong stream or PPID";
  return {};
}

// ---- the loop

struct Options {
  std::string address;
  std::uint32_t assocs = 100;
  std::uint32_t msgs = 10;
  std::uint32_t dialing = 200;
  int seconds = 300;
  bool verbose = false;
  bool footprint = false;
};

struct Assoc {
  netsctp::SctpConn conn;
  std::uint32_t number = 0;
  bool up = false;
  std::uint32_t sent = 0;    // messages written
  std::uint32_t echoed = 0;  // echoes checked
  bool want_out = false;     // waiting for EPOLLOUT: dialing, or the send buffer was full
};

class Client {
 public:
  explicit Client(const Options& o) : o_(o), ep_(::epoll_create1(EPOLL_CLOEXEC)) {
    dialer_.events = {EventType::kAssocChange, EventType::kShutdown};
    dialer_.init_options.num_ostreams = kStreams;
    dialer_.init_options.max_instreams = kStreams;
    dialer_.init_options.socket_read_buffer_size = 32 * 1024;
    dialer_.init_options.socket_write_buffer_size = 32 * 1024;
    // Bounds an INIT nobody answers (the loop has no per-dial timer).
    dialer_.init_options.max_attempts = 4;
    before_ = footprint::Take();  // so that the footprint includes assocs_
    assocs_.resize(o.assocs);
  }
  ~Client() { ::close(ep_); }

  int Run() {
    const auto deadline = Clock::now() + std::chrono::seconds(o_.seconds);
    std::vector<epoll_event> ready(256);
    while (done_ + failed_ < o_.assocs) {
      StartDials();
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "epoll_client: gave up after %d s\n", o_.seconds);
        break;
      }
      const int n = ::epoll_wait(ep_, ready.data(), static_cast<int>(ready.size()), 100);
      if (n < 0 && errno != EINTR) {
        std::perror("epoll_wait");
        return 1;
      }
      for (int i = 0; i < n; ++i) {
        const epoll_event& e = ready[static_cast<std::size_t>(i)];
        Assoc& a = assocs_[e.data.u32];
        if (!a.conn.IsOpen()) continue;  // failed earlier in this round
        bool ok = true;
        if (!a.up) {
          ok = Connected(a);
        } else {
          if ((e.events & EPOLLOUT) != 0) ok = SendNext(a);
          if (ok && (e.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) ok = ReadSome(a);
        }
        if (!ok) Fail(a);
      }
    }
    if (o_.footprint) footprint::Print("client", before_, footprint::Take(), done_, sizeof(Assoc));
    for (Assoc& a : assocs_) (void)a.conn.Close();  // graceful SHUTDOWN, in the background
    std::printf("%u associations: %u done (%u messages each, every echo checked), %u failed or unfinished\n",
                o_.assocs, done_, o_.msgs, o_.assocs - done_);
    return done_ == o_.assocs ? 0 : 1;
  }

 private:
  // Keeps up to o_.dialing dials in progress.
  void StartDials() {
    while (next_ < o_.assocs && dialing_ < o_.dialing) {
      Assoc& a = assocs_[next_];
      a.number = next_++;
      auto c = dialer_.DialStart("sctp", o_.address);
      if (!c) {
        std::fprintf(stderr, "association %u: %s\n", a.number, c.error().message().c_str());
        ++failed_;
        continue;
      }
      a.conn = std::move(*c);
      // The association is up at POLLOUT, failed at POLLERR (always reported).
      Watch(a, EPOLL_CTL_ADD, EPOLLOUT);
      a.want_out = true;
      ++dialing_;
    }
  }

  void Watch(Assoc& a, int op, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u32 = a.number;
    if (::epoll_ctl(ep_, op, a.conn.fd(), &ev) != 0) std::perror("epoll_ctl");
  }

  bool Connected(Assoc& a) {
    auto r = a.conn.FinishConnect();
    if (!r) {
      if (r.error() == std::errc::resource_unavailable_try_again) return true;  // still starting
      std::fprintf(stderr, "association %u: %s\n", a.number, r.error().message().c_str());
      --dialing_;
      return false;
    }
    --dialing_;
    a.up = true;
    a.want_out = false;
    Watch(a, EPOLL_CTL_MOD, EPOLLIN);
    return SendNext(a);
  }

  // Writes the next message unless one is in flight or all are done.
  bool SendNext(Assoc& a) {
    if (a.sent > a.echoed || a.sent == o_.msgs) return true;
    MakeMsg(msg_, a.number, a.sent);
    auto w = a.conn.WriteMsg(msg_, InfoOf(a.sent));
    const bool full = !w && w.error() == std::errc::resource_unavailable_try_again;
    if (!w && !full) {
      std::fprintf(stderr, "association %u: write: %s\n", a.number, w.error().message().c_str());
      return false;
    }
    if (w) ++a.sent;
    // Watch for room only while a message waits for it.
    if (full != a.want_out) {
      Watch(a, EPOLL_CTL_MOD, EPOLLIN | (full ? EPOLLOUT : 0u));
      a.want_out = full;
    }
    return true;
  }

  // ReadMsgOrEvent returns whole messages (a message still arriving in
  // pieces gives EAGAIN, and the connection keeps what it read meanwhile).
  bool ReadSome(Assoc& a) {
    for (int i = 0; i < 8; ++i) {
      auto in = a.conn.ReadMsgOrEvent(buf_);
      if (!in) {
        if (in.error() == std::errc::resource_unavailable_try_again) return true;
        std::fprintf(stderr, "association %u: ended early: %s\n", a.number, in.error().message().c_str());
        return false;
      }
      if (in->IsEvent()) {
        if (o_.verbose) std::printf("association %u: event %s\n", a.number, netsctp::ToString(*in->event).c_str());
        continue;
      }
      const auto got = std::span<const std::byte>(buf_).first(in->msg.n);
      if (auto bad = CheckEcho(got, in->msg, a.number, a.echoed); !bad.empty()) {
        std::fprintf(stderr, "association %u: bad echo: %s\n", a.number, bad.c_str());
        return false;
      }
      if (++a.echoed == o_.msgs) ++done_;
      if (!SendNext(a)) return false;
    }
    return true;
  }

  void Fail(Assoc& a) {
    (void)::epoll_ctl(ep_, EPOLL_CTL_DEL, a.conn.fd(), nullptr);
    (void)a.conn.Close();
    if (a.echoed == o_.msgs) --done_;
    ++failed_;
  }

  const Options& o_;
  int ep_;
  netsctp::Dialer dialer_;
  std::vector<Assoc> assocs_;
  std::uint32_t next_ = 0;     // next association to dial
  std::uint32_t dialing_ = 0;  // dials in progress
  std::uint32_t done_ = 0;     // associations with every echo checked
  std::uint32_t failed_ = 0;
  std::vector<std::byte> msg_;
  std::vector<std::byte> buf_ = std::vector<std::byte>(64 * 1024);
  footprint::Sample before_;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  int c;
  while ((c = ::getopt(argc, argv, "n:m:c:w:vs")) != -1) {
    switch (c) {
      case 'n': o.assocs = static_cast<std::uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'm': o.msgs = static_cast<std::uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'c': o.dialing = static_cast<std::uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'w': o.seconds = std::atoi(optarg); break;
      case 'v': o.verbose = true; break;
      case 's': o.footprint = true; break;
      default: return false;
    }
  }
  if (optind + 1 != argc || o.dialing == 0) return false;
  o.address = argv[optind];
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, opt)) {
    std::fprintf(stderr, "usage: epoll_client [-n ASSOCS] [-m MSGS] [-c DIALING] [-w SECONDS] [-v] [-s] HOST:PORT\n");
    return 2;
  }
  // One descriptor per association: allow as many as the hard limit does.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
  }
  return Client(opt).Run();
}
