// epoll_server: an SCTP echo server that holds many associations on one
// thread with epoll, the pattern to copy for an event-loop server.
//
// Each message received is sent back on its stream with its PPID. The
// listener and every connection are non-blocking; a connection is removed as
// soon as it ends, whatever the reason (the peer's SHUTDOWN, an ABORT, the
// peer gone silent); events are logged one line each. With -t N, N threads
// each run the same loop over their own listener on the same port
// (ListenConfig::reuse_port) and the kernel spreads associations over them.
// See docs/event-loops.md.
//
// usage: epoll_server [-t THREADS] [-n ENDED] [-q] [-s OPEN] [HOST:PORT]
//   HOST:PORT   where to listen (default 127.0.0.1:36412; "h1/h2:port" is multi-homed)
//   -t THREADS  threads, one listener and one epoll loop each (default 1)
//   -n ENDED    exit once ENDED associations have ended (default: run until SIGINT/SIGTERM)
//   -q          do not log events
//   -s OPEN     print the footprint (memory, descriptors) once OPEN associations are open
// Prints "listening on ADDRESS" once every listener is up, and when it stops,
// one line per thread with the associations it served and the messages it echoed.
//
// Through the lab where the kernel lacks SCTP (tools/sctp-lab), with epoll_client:
//   tools/sctp-lab run -- sh -c 'build/examples/epoll_server -n 100 -q & sleep 1;
//                                build/examples/epoll_client -n 100 127.0.0.1:36412; wait'
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "footprint.h"
#include "netsctp/netsctp.h"

namespace {

using netsctp::EventType;

std::atomic<bool> g_stop{false};
std::atomic<long> g_open{0};   // associations open, all threads
std::atomic<long> g_ended{0};  // associations that have ended, all threads

struct Options {
  std::string address = "127.0.0.1:36412";
  int threads = 1;
  long exit_after = 0;  // 0: until a signal
  bool quiet = false;
  long footprint_at = 0;
};

// An echo waiting for room in the send buffer.
struct Pending {
  std::vector<std::byte> data;
  netsctp::SndInfo info;
};

// One association being served.
struct Assoc {
  netsctp::SctpConn conn;
  std::vector<std::byte> partial;  // pieces of a message larger than what one read returned
  // Echoes the send buffer had no room for, in order. A list because most
  // associations have none queued most of the time and an empty std::list
  // allocates nothing (libstdc++'s empty std::deque holds about 600 bytes).
  std::list<Pending> out;
  bool want_out = false;           // EPOLLOUT is subscribed
};

footprint::Sample g_before;  // taken once the listeners are open, before any association

class Loop {
 public:
  Loop(int index, netsctp::SctpListener ln, int ep, const Options& opt)
      : index_(index), ln_(std::move(ln)), ep_(ep), opt_(opt) {}
  ~Loop() { ::close(ep_); }

  // Runs until g_stop. Level-triggered epoll: whatever is not read now is
  // reported again, so one round reads a bounded amount per association and
  // no busy association starves the others.
  void Run() {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = ln_.fd();
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, ln_.fd(), &ev) != 0) return Fail("epoll_ctl");
    std::vector<epoll_event> ready(256);
    while (!g_stop.load()) {
      // The timeout only bounds how late g_stop is noticed.
      const int n = ::epoll_wait(ep_, ready.data(), static_cast<int>(ready.size()), 100);
      if (n < 0 && errno != EINTR) return Fail("epoll_wait");
      for (int i = 0; i < n; ++i) {
        const epoll_event& e = ready[static_cast<std::size_t>(i)];
        if (e.data.fd == ln_.fd()) {
          AcceptAll();
          continue;
        }
        // Keyed by descriptor rather than a pointer in epoll's data: an entry
        // removed earlier in this round is then simply not found.
        auto it = assocs_.find(e.data.fd);
        if (it == assocs_.end()) continue;
        Assoc& a = *it->second;
        bool alive = true;
        if ((e.events & EPOLLOUT) != 0) alive = Flush(a);
        // POLLERR and POLLHUP come with nothing else when the association is
        // gone: the read then returns the reason.
        if (alive && (e.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) alive = ReadSome(a);
        if (alive) {
          WatchOut(a);
        } else {
          Remove(it);
        }
      }
    }
  }

  void PrintTotals() const {
    std::printf("thread %d: %lu associations, %llu messages echoed\n", index_, accepted_,
                static_cast<unsigned long long>(echoed_));
  }

 private:
  void Fail(const char* what) {
    std::fprintf(stderr, "thread %d: %s: %s\n", index_, what, std::strerror(errno));
    g_stop = true;
  }

  // Accepts every association waiting: with a level-triggered listener one
  // per round would do too, but draining the queue is cheaper under load.
  void AcceptAll() {
    for (;;) {
      auto c = ln_.Accept();
      if (!c) {
        // EAGAIN: the queue is empty. EMFILE: out of descriptors; the
        // association stays queued and is retried on the next round (a real
        // server would stop watching the listener for a while).
        if (c.error() != std::errc::resource_unavailable_try_again) {
          std::fprintf(stderr, "thread %d: %s\n", index_, c.error().message().c_str());
        }
        return;
      }
      (void)c->SetNonBlocking(true);  // cannot fail on an open connection
      const int fd = c->fd();
      auto a = std::make_unique<Assoc>();
      a->conn = std::move(*c);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      if (::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        std::fprintf(stderr, "thread %d: epoll_ctl: %s\n", index_, std::strerror(errno));
        continue;  // `a` closes the connection
      }
      assocs_.emplace(fd, std::move(a));
      ++accepted_;
      if (g_open.fetch_add(1) + 1 == opt_.footprint_at) {
        footprint::Print("server", g_before, footprint::Take(), opt_.footprint_at, sizeof(Assoc));
      }
    }
  }

  // Reads up to 16 units (data pieces or events); false once the association is over.
  bool ReadSome(Assoc& a) {
    for (int i = 0; i < 16; ++i) {
      auto m = a.conn.ReadMsg(buf_);
      if (!m) {
        if (m.error() == std::errc::resource_unavailable_try_again) return true;
        // The association is over: end of stream after the peer's SHUTDOWN,
        // ECONNRESET after an ABORT, ETIMEDOUT when the peer went silent.
        if (!opt_.quiet) {
          std::printf("thread %d: %s ended: %s\n", index_, a.conn.RemoteAddr().String().c_str(),
                      m.error().message().c_str());
        }
        return false;
      }
      const std::span<const std::byte> got(buf_.data(), m->n);
      if (!m->Eor()) {
        // A large message arrives in pieces (partial delivery): keep them
        // until its last one. Notifications fit in one read of buf_.
        a.partial.insert(a.partial.end(), got.begin(), got.end());
        continue;
      }
      if (m->Notification()) {
        // Linux holds notifications back while a message is being delivered
        // in pieces, so one arriving now means that message was aborted
        // (PARTIAL_DELIVERY_EVENT): its pieces are of no use.
        a.partial.clear();
        auto ev = netsctp::ParseEvent(got);
        if (!opt_.quiet) {
          std::printf("thread %d: %s event %s\n", index_, a.conn.RemoteAddr().String().c_str(),
                      ev ? netsctp::ToString(*ev).c_str() : ev.error().message().c_str());
        }
        continue;
      }
      netsctp::SndInfo info;
      info.sid = m->info.sid;
      info.ppid = m->info.ppid;
      std::span<const std::byte> msg = got;
      if (!a.partial.empty()) {
        a.partial.insert(a.partial.end(), got.begin(), got.end());
        msg = a.partial;
      }
      // Nothing may overtake an echo already waiting: send now only when none is.
      Sent sent = Sent::kFull;
      if (a.out.empty()) sent = Send(a, msg, info);
      if (sent == Sent::kFailed) return false;
      if (sent == Sent::kFull) a.out.push_back({std::vector<std::byte>(msg.begin(), msg.end()), info});
      a.partial.clear();
    }
    return true;
  }

  enum class Sent { kYes, kFull, kFailed };

  // Sends one echo. kFull: the send buffer has no room (EAGAIN); the caller
  // keeps the message and waits for EPOLLOUT.
  Sent Send(Assoc& a, std::span<const std::byte> data, const netsctp::SndInfo& info) {
    auto w = a.conn.WriteMsg(data, info);
    if (w) {
      ++echoed_;
      return Sent::kYes;
    }
    if (w.error() == std::errc::resource_unavailable_try_again) return Sent::kFull;
    // EPIPE after a SHUTDOWN, or the reason the association ended.
    if (!opt_.quiet) {
      std::printf("thread %d: %s ended: %s\n", index_, a.conn.RemoteAddr().String().c_str(),
                  w.error().message().c_str());
    }
    return Sent::kFailed;
  }

  // Sends queued echoes until the buffer is full; false once the association is over.
  bool Flush(Assoc& a) {
    while (!a.out.empty()) {
      const Sent sent = Send(a, a.out.front().data, a.out.front().info);
      if (sent == Sent::kFull) return true;
      if (sent == Sent::kFailed) return false;
      a.out.pop_front();
    }
    return true;
  }

  // Asks for EPOLLOUT only while echoes wait: a level-triggered EPOLLOUT on
  // a socket with room would report on every round.
  void WatchOut(Assoc& a) {
    const bool want = !a.out.empty();
    if (want == a.want_out) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.fd = a.conn.fd();
    if (::epoll_ctl(ep_, EPOLL_CTL_MOD, a.conn.fd(), &ev) == 0) a.want_out = want;
  }

  void Remove(std::unordered_map<int, std::unique_ptr<Assoc>>::iterator it) {
    // Out of the epoll set before the descriptor is closed and its number reused.
    (void)::epoll_ctl(ep_, EPOLL_CTL_DEL, it->first, nullptr);
    assocs_.erase(it);  // ~SctpConn closes
    g_open.fetch_sub(1);
    if (g_ended.fetch_add(1) + 1 == opt_.exit_after) g_stop = true;
  }

  int index_;
  netsctp::SctpListener ln_;
  int ep_;
  const Options& opt_;
  std::unordered_map<int, std::unique_ptr<Assoc>> assocs_;
  std::vector<std::byte> buf_ = std::vector<std::byte>(64 * 1024);
  unsigned long accepted_ = 0;
  unsigned long long echoed_ = 0;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  int c;
  while ((c = ::getopt(argc, argv, "t:n:qs:")) != -1) {
    switch (c) {
      case 't': o.threads = std::atoi(optarg); break;
      case 'n': o.exit_after = std::atol(optarg); break;
      case 'q': o.quiet = true; break;
      case 's': o.footprint_at = std::atol(optarg); break;
      default: return false;
    }
  }
  if (optind < argc) o.address = argv[optind++];
  return optind == argc && o.threads > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, opt)) {
    std::fprintf(stderr, "usage: epoll_server [-t THREADS] [-n ENDED] [-q] [-s OPEN] [HOST:PORT]\n");
    return 2;
  }
  // The log is read as it grows (tail -f, a test), also when it is a file.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // One descriptor per association: allow as many as the hard limit does.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
  }
  struct sigaction sa{};
  sa.sa_handler = [](int) { g_stop = true; };
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  netsctp::ListenConfig lc;
  // Inherited by every accepted connection; a loop sees them as reads.
  lc.events = {EventType::kAssocChange, EventType::kPeerAddrChange, EventType::kShutdown};
  lc.init_options.num_ostreams = 4;
  lc.init_options.max_instreams = 4;
  // Thousands of associations: modest buffers keep the kernel's share small.
  lc.init_options.socket_read_buffer_size = 64 * 1024;
  lc.init_options.socket_write_buffer_size = 64 * 1024;
  lc.reuse_port = opt.threads > 1;

  std::vector<std::unique_ptr<Loop>> loops;
  std::string address = opt.address;
  for (int i = 0; i < opt.threads; ++i) {
    auto ln = lc.Listen("sctp", address);
    if (!ln) {
      std::fprintf(stderr, "epoll_server: %s\n", ln.error().message().c_str());
      return 1;
    }
    // Port 0 asked: the others join the port the first one got.
    address = ln->Addr().String();
    (void)ln->SetNonBlocking(true);
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
      std::perror("epoll_create1");
      return 1;
    }
    loops.push_back(std::make_unique<Loop>(i, std::move(*ln), ep, opt));
  }
  g_before = footprint::Take();  // the footprint counts associations only
  std::printf("listening on %s with %d thread(s)\n", address.c_str(), opt.threads);
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (auto& l : loops) threads.emplace_back([&l] { l->Run(); });
  for (auto& t : threads) t.join();
  for (auto& l : loops) l->PrintTotals();
  std::printf("%ld associations ended\n", g_ended.load());
  return 0;
}
