// Many associations served by one thread: a non-blocking epoll loop over an
// SctpListener and its SctpConns (SetNonBlocking(true), fd() in epoll,
// EAGAIN as std::errc::resource_unavailable_try_again) echoes checked
// messages on 1000 concurrent associations dialed by another process. Then
// the server's descriptor count is back where it started, once after the
// clients close and once after the client process is SIGKILLed mid-traffic.
//
// Run: tools/sctp-lab run --timeout 110 --mem 512M -- fault_scale_test -r cases
//
// The client is a child forked from the test that runs a plain function and
// leaves with _exit(): it never returns into Catch, whose assertions belong
// to the test's process; it reports through a pipe, one line per message.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checked_msg.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::SctpConn;
using netsctp::SndInfo;

namespace {

constexpr std::uint32_t kAssocs = 1000;
constexpr std::uint16_t kStreams = 4;
constexpr std::uint32_t kPerRound = 2;  // messages in flight per association
// In round 1, the first kBurstAssocs associations send kBurst large messages
// (about 180 KB) before reading any echo: far more than the client's receive
// buffer and the server's send buffer hold, so the server's echoes meet a
// full send buffer (EAGAIN) and wait for EPOLLOUT.
constexpr std::uint32_t kBurstAssocs = 4;
constexpr std::uint32_t kBurst = 120;

// Messages association `i` sends in round `round`.
std::uint32_t MsgsIn(std::uint32_t i, std::uint32_t round) {
  return round == 1 && i < kBurstAssocs ? kBurst : kPerRound;
}
// Messages all associations send in rounds 0..rounds-1.
std::uint64_t TotalThrough(std::uint32_t rounds) {
  std::uint64_t n = 0;
  for (std::uint32_t r = 0; r < rounds; ++r) {
    for (std::uint32_t i = 0; i < kAssocs; ++i) n += MsgsIn(i, r);
  }
  return n;
}

// ---- checked messages (checked_msg.h), on kStreams streams
//
// Here the tag is the client's association number: an echo that comes back
// on another association is caught.

using checked::Get32;
using checked::kHeaderSize;

// Message `seq` of sender `tag`; sizes vary from 24 to 323 bytes, or from
// 1000 to 1999 when `large`.
void MakeMsg(std::vector<std::byte>& out, std::uint32_t tag, std::uint32_t seq, bool large = false) {
  const std::uint32_t h = seq * 2654435761u + tag;
  checked::MakeMsg(out, tag, seq, kStreams, large ? 1000 + h % 1000 : kHeaderSize + h % 300);
}
SndInfo InfoOf(std::uint32_t tag, std::uint32_t seq) { return checked::InfoOf(tag, seq, kStreams); }

// The receiving side of one sender's messages.
class InOrder : public checked::InOrder {
 public:
  explicit InOrder(std::uint32_t tag) : checked::InOrder(tag, kStreams) {}
};

// ---- lines over a pipe

// The next line from `fd` (without its newline) before `deadline`; nullopt on
// timeout or end of file. `buf` keeps what was read beyond the line.
std::optional<std::string> ReadLine(int fd, std::string& buf, Clock::time_point deadline) {
  for (;;) {
    if (const auto nl = buf.find('\n'); nl != std::string::npos) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left < 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    char chunk[512];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

void WriteLine(int fd, const std::string& line) {
  const std::string s = line + '\n';
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// ---- a peer in another process

// A process forked from the test, running `body` (which reports through
// `say`, one line at a time) and exiting with its result. The child keeps
// none of the test's descriptors but its pipe end, so that the sockets it
// opens are the only ones that close when it dies.
class Peer {
 public:
  using Say = std::function<void(const std::string&)>;

  static Peer Start(const std::function<int(const Say&)>& body) {
    int up[2];
    REQUIRE(::pipe2(up, O_CLOEXEC) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int keep = up[1];
      if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
      ::close_range(static_cast<unsigned>(keep + 1), ~0u, 0);
      int rc = 100;
      try {
        rc = body([keep](const std::string& line) { WriteLine(keep, line); });
      } catch (...) {
        WriteLine(keep, "fail: exception in the peer");
      }
      ::_exit(rc);
    }
    ::close(up[1]);
    Peer p;
    p.pid_ = pid;
    p.from_ = up[0];
    return p;
  }

  Peer() = default;
  Peer(Peer&& o) noexcept { *this = std::move(o); }
  Peer& operator=(Peer&& o) noexcept {
    std::swap(pid_, o.pid_);
    std::swap(from_, o.from_);
    std::swap(buf_, o.buf_);
    return *this;
  }
  ~Peer() { Close(); }

  // Kills a child still running, reaps it and closes the pipe.
  void Close() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
    if (from_ >= 0) ::close(from_);
    from_ = -1;
  }

  int from() const noexcept { return from_; }
  // The next line the peer said, without waiting; nullopt when none is there yet.
  std::optional<std::string> Poll() { return ReadLine(from_, buf_, Clock::now()); }
  std::optional<std::string> Next(std::chrono::milliseconds timeout) {
    return ReadLine(from_, buf_, Clock::now() + timeout);
  }
  void Kill() const { ::kill(pid_, SIGKILL); }
  // Waits for the child to end and returns its wait status; -1 on timeout.
  int Reap(std::chrono::milliseconds timeout = 20s) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return st;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int from_ = -1;
  std::string buf_;
};

// ---- the clients (run in the child: no Catch here)

// Dials kAssocs associations, checks that each starts with COMM_UP, then
// sends MsgsIn(i, round) messages on each and reads their echoes, round
// after round (`rounds` of them), and closes them all. Reports "dialed N",
// "round R", "closed"; a line starting with "fail" on the first problem.
int RunClients(const Peer::Say& say, std::uint16_t port, std::uint32_t rounds) {
  std::vector<SctpConn> conns;
  conns.reserve(kAssocs);
  netsctp::Dialer d;
  d.timeout = 20s;
  d.events = {EventType::kAssocChange};
  d.init_options.num_ostreams = kStreams;
  d.init_options.max_instreams = kStreams;
  d.init_options.socket_read_buffer_size = 32 * 1024;
  d.init_options.socket_write_buffer_size = 64 * 1024;
  const std::string target = HostPort("127.0.0.1", port);
  for (std::uint32_t i = 0; i < kAssocs; ++i) {
    auto c = d.Dial("sctp", target);
    if (!c) {
      say("fail: dial " + std::to_string(i) + ": " + c.error().message());
      return 1;
    }
    conns.push_back(std::move(*c));
  }
  say("dialed " + std::to_string(conns.size()));
  std::vector<std::byte> buf(65536);
  for (std::uint32_t i = 0; i < kAssocs; ++i) {
    (void)conns[i].SetReadDeadline(In(30s));
    auto r = conns[i].ReadMsgOrEvent(buf);
    const auto* ac = r && r->IsEvent() ? std::get_if<AssocChangeEvent>(&*r->event) : nullptr;
    if (ac == nullptr || ac->state != AssocChangeState::kCommUp) {
      say("fail: association " + std::to_string(i) + " did not start with COMM_UP");
      return 1;
    }
  }
  std::vector<InOrder> echoes;
  echoes.reserve(kAssocs);
  for (std::uint32_t i = 0; i < kAssocs; ++i) echoes.emplace_back(i);
  std::vector<std::uint32_t> sent(kAssocs, 0);
  std::vector<std::byte> msg;
  for (std::uint32_t round = 0; round < rounds; ++round) {
    for (std::uint32_t i = 0; i < kAssocs; ++i) {
      (void)conns[i].SetWriteDeadline(In(30s));
      const std::uint32_t n = MsgsIn(i, round);
      for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t seq = sent[i]++;
        MakeMsg(msg, i, seq, n > kPerRound);
        if (auto w = conns[i].WriteMsg(msg, InfoOf(i, seq)); !w) {
          say("fail: write " + std::to_string(i) + '/' + std::to_string(seq) + ": " + w.error().message());
          return 1;
        }
      }
    }
    for (std::uint32_t i = 0; i < kAssocs; ++i) {
      (void)conns[i].SetReadDeadline(In(30s));
      while (echoes[i].count() < sent[i]) {
        auto r = conns[i].ReadMsgOrEvent(buf);
        if (!r) {
          say("fail: read echo on " + std::to_string(i) + ": " + r.error().message());
          return 1;
        }
        if (r->IsEvent()) {
          say("fail: event on " + std::to_string(i) + ": " + netsctp::ToString(*r->event));
          return 1;
        }
        if (auto e = echoes[i].Take(std::span<const std::byte>(buf.data(), r->msg.n), r->msg); !e.empty()) {
          say("fail: echo on " + std::to_string(i) + ": " + e);
          return 1;
        }
      }
    }
    say("round " + std::to_string(round));
  }
  for (auto& c : conns) {
    if (auto r = c.Close(); !r) {
      say("fail: close: " + r.error().message());
      return 1;
    }
  }
  say("closed");
  return 0;
}

// ---- the server (the test thread)

// Open descriptors of this process.
int CountFds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory's own descriptor
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// How one association ended on the server.
enum class Ending {
  kGraceful,     // SHUTDOWN_EVENT, SHUTDOWN_COMP, end of stream
  kEofFirst,     // SHUTDOWN_EVENT, end of stream before SHUTDOWN_COMP (see ReadSome)
  kAborted,      // COMM_LOST, then ECONNRESET
  kWriteFailed,  // an echo failed with EPIPE or ECONNRESET (the peer is gone)
  kCount,
};

// One association being served.
struct Served {
  enum class Stage { kNew, kUp, kShutdown, kShutdownComp, kLost };
  SctpConn conn;
  Stage stage = Stage::kNew;
  std::optional<InOrder> in;  // learns the sender's tag from its first message
  std::deque<std::pair<std::vector<std::byte>, SndInfo>> out;  // echoes waiting for room
  bool want_out = false;
};

struct ServerStats {
  std::uint32_t accepted = 0;
  std::uint32_t ended = 0;
  std::uint64_t received = 0;
  std::uint64_t echoed = 0;
  std::uint64_t eagain_reads = 0;
  std::uint64_t eagain_writes = 0;
  std::uint32_t endings[static_cast<int>(Ending::kCount)] = {};
  std::vector<std::string> problems;  // the first few

  void Problem(std::string p) {
    if (problems.size() < 10) problems.push_back(std::move(p));
  }
  std::uint32_t Count(Ending e) const { return endings[static_cast<int>(e)]; }
};

// The single-threaded echo server: a non-blocking listener and non-blocking
// connections in one epoll set (level-triggered). Checks every association's
// units: COMM_UP, checked messages, then one of the endings above.
class EchoServer {
 public:
  EchoServer(netsctp::SctpListener& l, int ep) : l_(l), ep_(ep) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerId;
    REQUIRE(::epoll_ctl(ep_, EPOLL_CTL_ADD, l_.fd(), &ev) == 0);
  }
  ~EchoServer() { (void)::epoll_ctl(ep_, EPOLL_CTL_DEL, l_.fd(), nullptr); }

  // Serves until `accept_total` associations were accepted and all of them
  // ended, or until `deadline`. `tick` runs after every epoll round.
  void Run(std::uint32_t accept_total, Clock::time_point deadline, const std::function<void(const ServerStats&)>& tick) {
    std::vector<epoll_event> evs(256);
    while (Clock::now() < deadline && !(stats_.accepted >= accept_total && served_.empty())) {
      const int n = ::epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), 100);
      if (n < 0 && errno != EINTR) {
        stats_.Problem(std::string("epoll_wait: ") + std::strerror(errno));
        return;
      }
      for (int i = 0; i < n; ++i) {
        const std::uint64_t id = evs[static_cast<std::size_t>(i)].data.u64;
        const std::uint32_t what = evs[static_cast<std::size_t>(i)].events;
        if (id == kListenerId) {
          AcceptAll();
          continue;
        }
        auto it = served_.find(id);
        if (it == served_.end()) continue;  // ended earlier in this round
        Served& s = *it->second;
        std::optional<Ending> end;
        if ((what & EPOLLOUT) != 0) end = Flush(s);
        if (!end && (what & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) end = ReadSome(s);
        if (end) {
          End(id, *end);
        } else {
          Arm(id, s);
        }
      }
      if (tick) tick(stats_);
    }
  }

  const ServerStats& stats() const { return stats_; }
  std::size_t open() const { return served_.size(); }

 private:
  static constexpr std::uint64_t kListenerId = 0;

  void AcceptAll() {
    for (;;) {
      auto c = l_.Accept();
      if (!c) {
        if (c.error() != std::errc::resource_unavailable_try_again) stats_.Problem("accept: " + c.error().message());
        return;
      }
      if (auto r = c->SetNonBlocking(true); !r) stats_.Problem("SetNonBlocking: " + r.error().message());
      const std::uint64_t id = next_id_++;
      auto s = std::make_unique<Served>();
      s->conn = std::move(*c);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = id;
      if (::epoll_ctl(ep_, EPOLL_CTL_ADD, s->conn.fd(), &ev) != 0) {
        stats_.Problem(std::string("epoll_ctl ADD: ") + std::strerror(errno));
        continue;
      }
      served_.emplace(id, std::move(s));
      ++stats_.accepted;
    }
  }

  // Watches for room to write only while echoes wait.
  void Arm(std::uint64_t id, Served& s) {
    const bool want = !s.out.empty();
    if (want == s.want_out) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = id;
    if (::epoll_ctl(ep_, EPOLL_CTL_MOD, s.conn.fd(), &ev) != 0) {
      stats_.Problem(std::string("epoll_ctl MOD: ") + std::strerror(errno));
    }
    s.want_out = want;
  }

  void End(std::uint64_t id, Ending e) {
    auto it = served_.find(id);
    Served& s = *it->second;
    (void)::epoll_ctl(ep_, EPOLL_CTL_DEL, s.conn.fd(), nullptr);
    if (auto r = s.conn.Close(); !r) stats_.Problem("close: " + r.error().message());
    ++stats_.endings[static_cast<int>(e)];
    ++stats_.ended;
    served_.erase(it);
  }

  // Sends waiting echoes; an ending when the association is gone.
  std::optional<Ending> Flush(Served& s) {
    while (!s.out.empty()) {
      auto w = s.conn.WriteMsg(s.out.front().first, s.out.front().second);
      if (!w) {
        if (w.error() == std::errc::resource_unavailable_try_again) {
          ++stats_.eagain_writes;
          return std::nullopt;
        }
        if (w.error() == std::errc::broken_pipe || w.error() == std::errc::connection_reset) return Ending::kWriteFailed;
        stats_.Problem("write: " + w.error().message());
        return Ending::kWriteFailed;
      }
      ++stats_.echoed;
      s.out.pop_front();
    }
    return std::nullopt;
  }

  // Reads what is ready (a bounded number of units, to stay fair).
  std::optional<Ending> ReadSome(Served& s) {
    for (int i = 0; i < 16; ++i) {
      auto r = s.conn.ReadMsgOrEvent(buf_);
      if (!r) {
        if (r.error() == std::errc::resource_unavailable_try_again) {
          ++stats_.eagain_reads;
          return std::nullopt;
        }
        if (r.error() == Errc::kEndOfStream && s.stage == Served::Stage::kShutdownComp) return Ending::kGraceful;
        // Linux returns end of stream as soon as the peer's SHUTDOWN arrived
        // and nothing is queued, even while the SHUTDOWN_ACK/COMPLETE
        // exchange is still under way (its SHUTDOWN_COMP would come later).
        if (r.error() == Errc::kEndOfStream && s.stage == Served::Stage::kShutdown) return Ending::kEofFirst;
        if (r.error() == std::errc::connection_reset && s.stage == Served::Stage::kLost) return Ending::kAborted;
        stats_.Problem("read: " + r.error().message() + " in stage " + std::to_string(static_cast<int>(s.stage)));
        return Ending::kAborted;
      }
      if (r->IsEvent()) {
        if (!OnEvent(s, *r->event)) return Ending::kAborted;
        continue;
      }
      if (s.stage != Served::Stage::kUp) {
        stats_.Problem("data in stage " + std::to_string(static_cast<int>(s.stage)));
        return Ending::kAborted;
      }
      const std::span<const std::byte> b(buf_.data(), r->msg.n);
      if (!s.in) s.in.emplace(b.size() >= kHeaderSize ? Get32(b.data()) : 0);
      if (auto e = s.in->Take(b, r->msg); !e.empty()) {
        stats_.Problem(e);
        return Ending::kAborted;
      }
      ++stats_.received;
      SndInfo info;
      info.sid = r->msg.info.sid;
      info.ppid = r->msg.info.ppid;
      s.out.emplace_back(std::vector<std::byte>(b.begin(), b.end()), info);
      if (auto end = Flush(s)) return end;
    }
    return std::nullopt;
  }

  // Follows the order every association must keep; false on a violation.
  bool OnEvent(Served& s, const netsctp::Event& ev) {
    using Stage = Served::Stage;
    const auto* ac = std::get_if<AssocChangeEvent>(&ev);
    if (ac != nullptr && ac->state == AssocChangeState::kCommUp && s.stage == Stage::kNew) {
      s.stage = Stage::kUp;
      return true;
    }
    if (std::holds_alternative<netsctp::ShutdownEvent>(ev) && s.stage == Stage::kUp) {
      s.stage = Stage::kShutdown;
      return true;
    }
    if (ac != nullptr && ac->state == AssocChangeState::kShutdownComp && s.stage == Stage::kShutdown) {
      s.stage = Stage::kShutdownComp;
      return true;
    }
    if (ac != nullptr && ac->state == AssocChangeState::kCommLost && (s.stage == Stage::kUp || s.stage == Stage::kShutdown)) {
      s.stage = Stage::kLost;
      return true;
    }
    stats_.Problem(netsctp::ToString(ev) + " in stage " + std::to_string(static_cast<int>(s.stage)));
    return false;
  }

  netsctp::SctpListener& l_;
  int ep_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Served>> served_;
  ServerStats stats_;
  std::vector<std::byte> buf_ = std::vector<std::byte>(65536);
};

std::string Problems(const ServerStats& s) {
  std::string out;
  for (const auto& p : s.problems) out += "\n  " + p;
  return out;
}

// Raises the descriptor limit for the server and the forked client.
void RaiseFdLimit(rlim_t want) {
  rlimit rl{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur = want;
  if (rl.rlim_max < want) rl.rlim_max = want;  // root (as in the lab) may raise the hard limit
  INFO("setrlimit(RLIMIT_NOFILE, " << want << ") needs root or a hard limit that high");
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

}  // namespace

TEST_CASE("one thread, one epoll loop: 1000 concurrent associations echo checked messages; descriptors return after close and after the client is killed") {
  RaiseFdLimit(8 * kAssocs);
  netsctp::ListenConfig lc;
  lc.events = {EventType::kAssocChange, EventType::kShutdown};
  lc.init_options.num_ostreams = kStreams;
  lc.init_options.max_instreams = kStreams;
  // Small buffers keep 1000 associations' memory modest, and make echoes
  // meet a full send buffer now and then (EAGAIN on write).
  lc.init_options.socket_read_buffer_size = 64 * 1024;
  lc.init_options.socket_write_buffer_size = 16 * 1024;
  // On loopback (MTU 64 KiB) Linux sends a window update only once the
  // window has grown by a path MTU, so after a burst fills a client's small
  // receive buffer, the server learns of the room again by probing on its
  // retransmission timer: a short RTO keeps those probes quick (with the
  // lab's 1 s minimum the burst round took ten times longer).
  lc.control = [](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    sctp_rtoinfo rto{};
    rto.srto_initial = 200;
    rto.srto_min = 50;
    rto.srto_max = 200;
    return netsctp::SetOption(fd, IPPROTO_SCTP, SCTP_RTOINFO, rto);
  };
  netsctp::SctpListener l = MUST(lc.Listen("sctp", "127.0.0.1:0"));
  MUST(l.SetNonBlocking(true));
  const std::uint16_t port = l.Addr().port;
  Fd ep{::epoll_create1(EPOLL_CLOEXEC)};
  REQUIRE(ep.fd >= 0);
  const int baseline = CountFds();
  REQUIRE(baseline > 0);

  // First the clients echo three rounds and close.
  {
    constexpr std::uint32_t kRounds = 3;
    std::vector<std::string> said;
    ServerStats st;
    long long ms = 0;
    {
      Peer client = Peer::Start([port](const Peer::Say& say) { return RunClients(say, port, kRounds); });
      EchoServer server(l, ep.fd);
      const auto t0 = Clock::now();
      server.Run(kAssocs, t0 + 100s, [&](const ServerStats&) {
        while (auto line = client.Poll()) said.push_back(*line);
      });
      ms = MsSince(t0);
      st = server.stats();
      while (auto line = client.Next(1s)) said.push_back(*line);
      CHECK(client.Reap() == 0);
      INFO("open associations left: " << server.open());
      CHECK(server.open() == 0);
    }
    std::string log;
    for (const auto& s : said) log += "\n  " + s;
    INFO("the client said:" << log);
    INFO("server problems:" << Problems(st));
    std::printf("# %u associations, %llu echoes: %lld ms; EAGAIN on %llu reads, %llu writes; "
                "end of stream before SHUTDOWN_COMP on %u\n",
                kAssocs, static_cast<unsigned long long>(st.echoed), ms, static_cast<unsigned long long>(st.eagain_reads),
                static_cast<unsigned long long>(st.eagain_writes), st.Count(Ending::kEofFirst));
    std::fflush(stdout);
    REQUIRE_FALSE(said.empty());
    CHECK(said.back() == "closed");
    CHECK(st.problems.empty());
    CHECK(st.accepted == kAssocs);
    CHECK(st.received == TotalThrough(kRounds));
    CHECK(st.echoed == st.received);
    // Every one: SHUTDOWN_EVENT, then SHUTDOWN_COMP and end of stream.
    CHECK(st.Count(Ending::kGraceful) + st.Count(Ending::kEofFirst) == kAssocs);
    CHECK(st.eagain_reads > 0);  // the loop really ran non-blocking, both ways
    CHECK(st.eagain_writes > 0);
    CHECK(CountFds() == baseline);
  }

  // Then a new client process is SIGKILLed mid-traffic.
  {
    std::vector<std::string> said;
    ServerStats st;
    Clock::time_point killed_at{};
    long long end_ms = 0;
    {
      Peer client = Peer::Start([port](const Peer::Say& say) { return RunClients(say, port, 1000); });
      EchoServer server(l, ep.fd);
      const auto t0 = Clock::now();
      // Kill once two rounds are done and the third is half way.
      const std::uint64_t kill_at = TotalThrough(2) + kAssocs * kPerRound / 2;
      server.Run(kAssocs, t0 + 100s, [&](const ServerStats& s) {
        while (auto line = client.Poll()) said.push_back(*line);
        if (killed_at == Clock::time_point{} && s.echoed >= kill_at) {
          client.Kill();
          killed_at = Clock::now();
        }
      });
      end_ms = killed_at == Clock::time_point{} ? -1 : MsSince(killed_at);
      st = server.stats();
      const int status = client.Reap();
      CHECK((status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
      INFO("open associations left: " << server.open());
      CHECK(server.open() == 0);
    }
    std::string log;
    for (const auto& s : said) log += "\n  " + s;
    INFO("the client said:" << log);
    INFO("server problems:" << Problems(st));
    std::printf("# killed mid-traffic after %llu echoes: all %u associations ended %lld ms later "
                "(%u graceful, %u aborted, %u on a failed echo)\n",
                static_cast<unsigned long long>(st.echoed), kAssocs, end_ms,
                st.Count(Ending::kGraceful) + st.Count(Ending::kEofFirst), st.Count(Ending::kAborted),
                st.Count(Ending::kWriteFailed));
    std::fflush(stdout);
    REQUIRE(killed_at != Clock::time_point{});
    for (const auto& s : said) CHECK(s.rfind("fail", 0) != 0);
    CHECK(st.problems.empty());
    CHECK(st.accepted == kAssocs);
    CHECK(st.ended == kAssocs);
    CHECK(end_ms < 30000);
    CHECK(CountFds() == baseline);
  }
}
