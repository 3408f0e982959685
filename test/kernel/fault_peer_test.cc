// What the surviving side of an association sees when its peer process
// dies or comes back, with the peer in another process that the test can
// SIGKILL:
//   - killed with nothing unread: the kernel closes its socket gracefully;
//   - killed with data unread: the kernel aborts the association;
//   - killed after its link was cut (a silent peer: nothing reaches us):
//     COMM_LOST once the retransmission limits run out, within the bound
//     the RTO, heartbeat and retransmission settings imply;
//   - restarted on the same address and port while the association lives:
//     RESTART, and data flows on the same SctpConn afterwards.
// Every message is checked (sender, sequence per stream, stream, PPID, size,
// checksum); every wait is bounded and its duration asserted.
//
// Run (one lab boot; namespaces a and b joined by link 1, 192.0.2.1 -
// 192.0.2.2, and link 2, 198.51.100.1 - 198.51.100.2):
//   tools/sctp-lab run --timeout 110 --net a-b --net a-b -- fault_peer_test -r cases
//
// The peer is a child forked from the test that runs a plain function and
// leaves with _exit(): it never returns into Catch, whose assertions belong
// to the test's process; it reports through a pipe, one line per message.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "checked_msg.h"
#include "events_helpers.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::CauseCode;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::SctpConn;
using netsctp::SndInfo;

namespace {

// ---- checked messages (checked_msg.h), on kStreams streams

constexpr std::uint16_t kStreams = 4;
using checked::kHeaderSize;

// Message `seq` of sender `tag`; sizes vary from 24 to 1023 bytes.
std::vector<std::byte> MakeMsg(std::uint32_t tag, std::uint32_t seq) {
  std::vector<std::byte> out;
  checked::MakeMsg(out, tag, seq, kStreams, checked::SizeOf(seq, kHeaderSize, 1000));
  return out;
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
    if (left <= 0) return std::nullopt;
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

// The child's end of the pipes to the test.
class PeerIo {
 public:
  PeerIo(int up, int down) : up_(up), down_(down) {}
  // One line to the test; a line starting with "fail" fails the test.
  void Say(const std::string& line) const { WriteLine(up_, line); }
  // The next line from the test; nullopt after `timeout`.
  std::optional<std::string> Hear(std::chrono::milliseconds timeout) {
    return ReadLine(down_, buf_, Clock::now() + timeout);
  }

 private:
  int up_;
  int down_;
  std::string buf_;
};

// A process forked from the test, running `body` and exiting with its
// result. The child keeps none of the test's descriptors but its two pipe
// ends, so that the sockets it opens are the only ones that close when it
// dies. Start, Expect, Tell and Reap are for the test thread; Kill for any.
class Peer {
 public:
  static Peer Start(const std::function<int(PeerIo&)>& body) {
    int up[2];
    int down[2];
    REQUIRE(::pipe2(up, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(down, O_CLOEXEC) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int keep_lo = std::min(up[1], down[0]);
      const int keep_hi = std::max(up[1], down[0]);
      if (keep_lo > 3) ::close_range(3, static_cast<unsigned>(keep_lo - 1), 0);
      if (keep_hi > keep_lo + 1) ::close_range(static_cast<unsigned>(keep_lo + 1), static_cast<unsigned>(keep_hi - 1), 0);
      ::close_range(static_cast<unsigned>(keep_hi + 1), ~0u, 0);
      PeerIo io(up[1], down[0]);
      int rc = 100;
      try {
        rc = body(io);
      } catch (...) {
        io.Say("fail: exception in the peer");
      }
      ::_exit(rc);
    }
    ::close(up[1]);
    ::close(down[0]);
    Peer p;
    p.pid_ = pid;
    p.from_ = up[0];
    p.to_ = down[1];
    return p;
  }

  Peer() = default;
  Peer(Peer&& o) noexcept { *this = std::move(o); }
  Peer& operator=(Peer&& o) noexcept {
    std::swap(pid_, o.pid_);
    std::swap(from_, o.from_);
    std::swap(to_, o.to_);
    std::swap(buf_, o.buf_);
    return *this;
  }
  ~Peer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    if (from_ >= 0) ::close(from_);
    if (to_ >= 0) ::close(to_);
  }

  // The next line the peer says; fails the test when none comes within
  // `timeout`, when it reports a failure, or when it does not start with `prefix`.
  std::string Expect(const std::string& prefix, std::chrono::milliseconds timeout = 20s) {
    auto line = ReadLine(from_, buf_, Clock::now() + timeout);
    INFO("waiting " << timeout.count() << " ms for the peer to say \"" << prefix << "...\"");
    REQUIRE(line.has_value());
    INFO("the peer said: " << *line);
    REQUIRE(line->rfind(prefix, 0) == 0);
    return line->substr(prefix.size());
  }
  void Tell(const std::string& line) { WriteLine(to_, line); }
  void Kill() const { ::kill(pid_, SIGKILL); }
  // Waits for the child to end and returns its wait status.
  int Reap(std::chrono::milliseconds timeout = 10s) {
    const auto end = Clock::now() + timeout;
    for (;;) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return st;
      }
      INFO("the peer process did not end within " << timeout.count() << " ms");
      REQUIRE(Clock::now() < end);
      std::this_thread::sleep_for(10ms);
    }
  }

 private:
  pid_t pid_ = -1;
  int from_ = -1;
  int to_ = -1;
  std::string buf_;
};

// Kills `peer` after `delay`, from its own thread, while the test thread
// waits in a read; `killed_at` tells when.
struct DelayedKill {
  std::thread t;
  std::atomic<std::int64_t> at_ns{0};
  DelayedKill(const Peer& peer, std::chrono::milliseconds delay) {
    t = std::thread([&peer, delay, this] {
      std::this_thread::sleep_for(delay);
      at_ns.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
      peer.Kill();
    });
  }
  ~DelayedKill() { Join(); }
  void Join() {
    if (t.joinable()) t.join();
  }
  Clock::time_point killed_at() const { return Clock::time_point(Clock::duration(at_ns.load())); }
};

// ---- the peer's side (runs in the child: no Catch here)

std::string Describe(const netsctp::Error& e) { return e.message(); }

// Sends messages 0..n-1 of `tag`; "" or what failed.
std::string SendMsgs(SctpConn& c, std::uint32_t tag, std::uint32_t n) {
  for (std::uint32_t seq = 0; seq < n; ++seq) {
    const auto m = MakeMsg(tag, seq);
    auto r = c.WriteMsg(m, InfoOf(tag, seq));
    if (!r) return "write " + std::to_string(seq) + ": " + Describe(r.error());
  }
  return {};
}

// Reads n checked messages of `tag` (events skipped); "" or what failed.
std::string ReadMsgs(SctpConn& c, std::uint32_t tag, std::uint32_t n, std::chrono::milliseconds timeout = 20s) {
  InOrder in(tag);
  std::vector<std::byte> buf(65536);
  if (auto r = c.SetReadDeadline(In(timeout)); !r) return Describe(r.error());
  while (in.count() < n) {
    auto r = c.ReadMsgOrEvent(buf);
    if (!r) return "read after " + std::to_string(in.count()) + ": " + Describe(r.error());
    if (r->IsEvent()) continue;
    if (auto e = in.Take(std::span<const std::byte>(buf.data(), r->msg.n), r->msg); !e.empty()) return e;
  }
  (void)c.SetReadDeadline(netsctp::kNoDeadline);
  return {};
}

// Moves the calling (single-threaded) child into network namespace `ns`.
std::string EnterNetns(const std::string& ns) {
  const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "open /run/netns/" + ns + ": " + std::strerror(errno);
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? std::string{} : "setns " + ns + ": " + std::strerror(err);
}

// ---- the survivor's side (the test thread)

// Reads one unit within `timeout` and returns it with the time it took.
struct Unit {
  netsctp::Result<netsctp::MsgOrEvent> r = netsctp::Errc::kTimeout;
  std::vector<std::byte> buf;
  long long ms = 0;
  const netsctp::Event* event() const { return r && r->IsEvent() ? &*r->event : nullptr; }
  std::string Text() const {
    if (!r) return "error: " + r.error().message();
    if (r->IsEvent()) return netsctp::ToString(*r->event);
    return "data, " + std::to_string(r->msg.n) + " bytes";
  }
};
Unit ReadUnit(SctpConn& c, std::chrono::milliseconds timeout = 10s) {
  Unit u;
  u.buf.resize(65536);
  MUST(c.SetReadDeadline(In(timeout)));
  const auto t0 = Clock::now();
  u.r = c.ReadMsgOrEvent(u.buf);
  u.ms = MsSince(t0);
  MUST(c.SetReadDeadline(netsctp::kNoDeadline));
  return u;
}

bool IsAssoc(const Unit& u, AssocChangeState s) {
  const auto* e = u.event() ? std::get_if<AssocChangeEvent>(u.event()) : nullptr;
  return e != nullptr && e->state == s;
}
bool IsShutdown(const Unit& u) { return u.event() != nullptr && std::holds_alternative<netsctp::ShutdownEvent>(*u.event()); }

// After a SHUTDOWN_EVENT: reads SHUTDOWN_COMP and end of stream. Linux
// reports end of stream as soon as the peer's SHUTDOWN is in and nothing is
// queued, while the SHUTDOWN_ACK/COMPLETE exchange may still be under way;
// SHUTDOWN_COMP then comes on a later read. Returns the units in the order
// read; fails the test unless both came within `timeout`, end of stream last.
std::vector<std::string> ExpectOrderlyEnd(SctpConn& c, std::chrono::milliseconds timeout = 5s) {
  std::vector<std::string> seen;
  bool comp = false;
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    Unit u = ReadUnit(c, std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
    if (IsAssoc(u, AssocChangeState::kShutdownComp) && !comp) {
      comp = true;
      seen.push_back("SHUTDOWN_COMP");
      continue;
    }
    if (ErrOf(u.r) == Errc::kEndOfStream) {
      if (seen.empty() || seen.back() != "end of stream") seen.push_back("end of stream");
      if (comp) return seen;
      std::this_thread::sleep_for(10ms);  // SHUTDOWN_COMP is on its way
      continue;
    }
    seen.push_back(u.Text());
    break;
  }
  std::string log;
  for (const auto& s : seen) log += "\n  " + s;
  FAIL("expected SHUTDOWN_COMP and end of stream within " << timeout.count() << " ms; read:" << log);
  return seen;
}

// Reads `n` checked messages of `tag` on the test thread.
void ExpectMsgs(SctpConn& c, std::uint32_t tag, std::uint32_t n) {
  InOrder in(tag);
  while (in.count() < n) {
    Unit u = ReadUnit(c);
    INFO("after " << in.count() << " messages of " << tag << ": " << u.Text());
    REQUIRE(u.r.has_value());
    REQUIRE_FALSE(u.r->IsEvent());
    const std::string e = in.Take(std::span<const std::byte>(u.buf.data(), u.r->msg.n), u.r->msg);
    INFO(e);
    REQUIRE(e.empty());
  }
}

void SendMsgsOrFail(SctpConn& c, std::uint32_t tag, std::uint32_t n) {
  const std::string e = SendMsgs(c, tag, n);
  INFO(e);
  REQUIRE(e.empty());
}

// A listener subscribed to association changes and shutdown events.
netsctp::ListenConfig SurvivorConfig() {
  netsctp::ListenConfig lc;
  lc.events = {EventType::kAssocChange, EventType::kShutdown, EventType::kPeerAddrChange};
  lc.init_options.num_ostreams = kStreams;
  lc.init_options.max_instreams = kStreams;
  return lc;
}
netsctp::Dialer PeerDialer() {
  netsctp::Dialer d;
  d.timeout = 10s;
  d.init_options.num_ostreams = kStreams;
  d.init_options.max_instreams = kStreams;
  return d;
}

// Accepts one association and checks that COMM_UP comes first.
SctpConn AcceptUp(netsctp::SctpListener& l) {
  MUST(l.SetDeadline(In(10s)));
  SctpConn c = MUST(l.Accept());
  MUST(l.SetDeadline(netsctp::kNoDeadline));
  Unit up = ReadUnit(c);
  INFO(up.Text());
  REQUIRE(IsAssoc(up, AssocChangeState::kCommUp));
  return c;
}

// ---- the two-namespace topology (sctp-lab run --net a-b --net a-b)

// Restores link K when the test ends, however it ends.
struct LinkDown {
  std::string tool = LabTool();
  int link;
  explicit LinkDown(int k) : link(k) { Sh(tool + " net down " + std::to_string(k)); }
  void Up() {
    if (link == 0) return;
    Sh(tool + " net up " + std::to_string(link));
    link = 0;
  }
  ~LinkDown() {
    if (link != 0) (void)std::system((tool + " net up " + std::to_string(link) + " >/dev/null 2>&1").c_str());
  }
};

void ExpectKilled(Peer& peer) {
  const int st = peer.Reap();
  INFO("wait status " << st);
  CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
}

// The peer of the loopback scenarios: dials, sends 50 messages, reads 50,
// says "ready" and waits. With `leave_unread`, it then waits until one more
// message is queued on its socket, unread, and says "unread".
int LoopbackPeer(PeerIo& io, std::uint16_t port, bool leave_unread) {
  auto c = PeerDialer().Dial("sctp", HostPort("127.0.0.1", port));
  if (!c) {
    io.Say("fail: " + Describe(c.error()));
    return 1;
  }
  if (auto e = SendMsgs(*c, 1, 50); !e.empty()) {
    io.Say("fail: " + e);
    return 1;
  }
  if (auto e = ReadMsgs(*c, 2, 50); !e.empty()) {
    io.Say("fail: " + e);
    return 1;
  }
  io.Say("ready");
  if (leave_unread) {
    pollfd p{c->fd(), POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) {
      io.Say("fail: nothing arrived to leave unread");
      return 1;
    }
    io.Say("unread");
  }
  (void)io.Hear(60s);  // killed meanwhile
  return 0;
}

}  // namespace

TEST_CASE("a peer SIGKILLed with nothing unread: SHUTDOWN_EVENT, SHUTDOWN_COMP, end of stream; the blocked read and later calls end promptly") {
  netsctp::SctpListener l = MUST(SurvivorConfig().Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  Peer peer = Peer::Start([port](PeerIo& io) { return LoopbackPeer(io, port, false); });
  SctpConn c = AcceptUp(l);
  ExpectMsgs(c, 1, 50);
  SendMsgsOrFail(c, 2, 50);
  peer.Expect("ready");

  // The kernel closes a killed process's sockets; with nothing unread on it
  // the close is a graceful SHUTDOWN, so the survivor sees the orderly end.
  Unit first;
  {
    DelayedKill kill(peer, 300ms);
    first = ReadUnit(c, 10s);
    kill.Join();
    INFO(first.Text());
    CHECK(first.ms >= 250);  // it really waited for the kill
    CHECK(MsSince(kill.killed_at()) < 3000);
  }
  ExpectKilled(peer);
  INFO("first: " << first.Text());
  REQUIRE(IsShutdown(first));
  const auto t_end = Clock::now();
  const auto order = ExpectOrderlyEnd(c);
  CHECK(MsSince(t_end) < 3000);
  if (order.size() > 2) std::printf("# end of stream came before SHUTDOWN_COMP\n");
  // A write after the end fails at once; reads keep saying end of stream.
  MUST(c.SetWriteDeadline(In(5s)));
  const auto t0 = Clock::now();
  auto w = c.WriteMsg(MakeMsg(2, 50), InfoOf(2, 50));
  CHECK(ErrOf(w) == std::errc::broken_pipe);
  CHECK(MsSince(t0) < 1000);
  Unit again = ReadUnit(c, 5s);
  INFO("again: " << again.Text());
  CHECK(ErrOf(again.r) == Errc::kEndOfStream);
  CHECK(again.ms < 1000);
}

TEST_CASE("a peer SIGKILLed with data unread: COMM_LOST (user abort); the blocked read and later calls end promptly") {
  netsctp::SctpListener l = MUST(SurvivorConfig().Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  Peer peer = Peer::Start([port](PeerIo& io) { return LoopbackPeer(io, port, true); });
  SctpConn c = AcceptUp(l);
  ExpectMsgs(c, 1, 50);
  SendMsgsOrFail(c, 2, 50);
  peer.Expect("ready");
  const auto unread = MakeMsg(3, 0);
  MUST(c.WriteMsg(unread, InfoOf(3, 0)));
  peer.Expect("unread");

  // Closing a socket with unread data aborts the association (the kernel
  // sends ABORT with the user-initiated-abort cause).
  Unit first;
  {
    DelayedKill kill(peer, 300ms);
    first = ReadUnit(c, 10s);
    kill.Join();
    CHECK(first.ms >= 250);
    CHECK(MsSince(kill.killed_at()) < 3000);
  }
  ExpectKilled(peer);
  INFO("first: " << first.Text());
  REQUIRE(IsAssoc(first, AssocChangeState::kCommLost));
  CHECK(std::get<AssocChangeEvent>(*first.event()).error == CauseCode::kUserAbort);
  // A reply written on the event's heels fails at once, and every read after
  // it says why: the association is gone for good, and nothing would ever
  // wake a read that waited.
  MUST(c.SetWriteDeadline(In(5s)));
  const auto t0 = Clock::now();
  auto w = c.WriteMsg(MakeMsg(2, 50), InfoOf(2, 50));
  INFO("write: " << MessageOf(w));
  CHECK((ErrOf(w) == std::errc::broken_pipe || ErrOf(w) == std::errc::connection_reset));
  CHECK(MsSince(t0) < 1000);
  for (int i = 0; i < 2; ++i) {
    Unit after = ReadUnit(c, 5s);
    INFO("read " << i + 1 << " after the write: " << after.Text());
    CHECK(ErrOf(after.r) == std::errc::connection_reset);
    CHECK(after.ms < 1000);
  }
}

TEST_CASE("a silent peer (link cut, then the process killed): COMM_LOST within the bound the RTO settings imply") {
  RequireTopology();
  // Failure detection settings on the survivor's association: heartbeats
  // every 100 ms, RTO between 100 and 200 ms, path max retransmissions 2
  // (the path is declared unreachable once 3 heartbeats went unanswered),
  // association max retransmissions 3.
  constexpr std::uint32_t kHbInterval = 100;
  constexpr std::uint32_t kRtoMin = 100;
  constexpr std::uint32_t kRtoMax = 200;
  constexpr std::uint16_t kPathMaxRetrans = 2;
  constexpr std::uint16_t kAssocMaxRetrans = 3;
  // Linux counts one error per heartbeat sent without an answer and fails
  // the association at the timer expiry that finds the count at the
  // association limit: kAssocMaxRetrans + 1 expiries after the last answer.
  // One heartbeat period is at most max(interval + RTO/2, 200 ms) plus a
  // random jitter below one RTO; RTO never exceeds kRtoMax; each period is
  // at least 200 ms (the kernel's floor).
  const std::uint32_t period_max = std::max(kHbInterval + kRtoMax / 2, 200u) + kRtoMax;
  const long long bound_ms = static_cast<long long>((kAssocMaxRetrans + 1) * period_max);
  const long long floor_ms = static_cast<long long>(kAssocMaxRetrans * 200);

  netsctp::ListenConfig lc = SurvivorConfig();
  lc.control = evtest::ShortRto(kRtoMin, kRtoMin, kRtoMax);
  netsctp::SctpListener l = MUST(InNetns("b", [&] { return lc.Listen("sctp", "192.0.2.2:0"); }));
  const std::uint16_t port = l.Addr().port;
  Peer peer = Peer::Start([port](PeerIo& io) {
    if (auto e = EnterNetns("a"); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    // Link 1 only: cutting it must leave no way to reach the survivor.
    netsctp::Dialer d = PeerDialer();
    d.local_addr = netsctp::ResolveSctpAddr("sctp", "192.0.2.1:0").value();
    auto c = d.Dial("sctp", HostPort("192.0.2.2", port));
    if (!c) {
      io.Say("fail: " + Describe(c.error()));
      return 1;
    }
    if (auto e = SendMsgs(*c, 1, 100); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    if (auto e = ReadMsgs(*c, 2, 100); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    io.Say("ready");
    (void)io.Hear(60s);
    return 0;
  });
  SctpConn c = AcceptUp(l);
  REQUIRE(Hosts(c.RemoteAddr()) == std::vector<std::string>{"192.0.2.1"});
  MUST(c.SetRtoInfo({kRtoMin, kRtoMin, kRtoMax}));
  netsctp::AssocParams ap;
  ap.max_retrans = kAssocMaxRetrans;
  MUST(c.SetAssocParams(ap));
  netsctp::PathParams pp;
  pp.heartbeat_enabled = true;
  pp.heartbeat_interval = kHbInterval;
  pp.path_max_retrans = kPathMaxRetrans;
  MUST(c.SetPathParams(pp));
  CHECK(MUST(c.GetAssocParams()).max_retrans == kAssocMaxRetrans);
  ExpectMsgs(c, 1, 100);
  SendMsgsOrFail(c, 2, 100);
  peer.Expect("ready");

  LinkDown cut(1);
  const auto t_cut = Clock::now();
  peer.Kill();  // its SHUTDOWN cannot reach us: the link is down
  ExpectKilled(peer);

  // The test thread waits in reads throughout: only our own timers can end them.
  std::vector<std::string> seen;
  Unit lost;
  bool unreachable_first = false;
  for (int i = 0; i < 10; ++i) {
    Unit u = ReadUnit(c, std::chrono::milliseconds(bound_ms + 5000));
    seen.push_back(u.Text() + " after " + std::to_string(MsSince(t_cut)) + " ms");
    if (!u.event()) {
      lost = std::move(u);
      break;
    }
    if (const auto* pa = std::get_if<netsctp::PeerAddrChangeEvent>(u.event())) {
      if (pa->state == netsctp::PeerAddrState::kUnreachable && pa->addr.String() == "192.0.2.1") {
        unreachable_first = true;
      }
      continue;
    }
    lost = std::move(u);
    break;
  }
  const long long lost_ms = MsSince(t_cut);
  std::string log;
  for (const auto& s : seen) log += "\n  " + s;
  INFO("read after the cut:" << log);
  std::printf("# silent peer: COMM_LOST %lld ms after the cut (bound %lld ms, floor %lld ms)\n", lost_ms, bound_ms,
              floor_ms);
  std::fflush(stdout);
  REQUIRE(IsAssoc(lost, AssocChangeState::kCommLost));
  const auto& ev = std::get<AssocChangeEvent>(*lost.event());
  CHECK(ev.error == CauseCode::kNone);  // our own retransmission limit, not a peer's ABORT
  CHECK(ev.info.empty());
  // The path failed first (its limit is lower), then the association.
  CHECK(unreachable_first);
  CHECK(lost_ms >= floor_ms - 100);
  CHECK(lost_ms <= bound_ms + 1500);  // margin for a slow, shared machine
  // The kernel reports the failure as ETIMEDOUT on the next read.
  Unit err = ReadUnit(c, 5s);
  INFO("after COMM_LOST: " << err.Text());
  REQUIRE_FALSE(err.r.has_value());
  CHECK(err.r.error().code() == std::error_code(ETIMEDOUT, std::system_category()));
  CHECK(err.ms < 1000);
  // Later calls end at once too.
  MUST(c.SetWriteDeadline(In(5s)));
  const auto t0 = Clock::now();
  auto w = c.WriteMsg(MakeMsg(2, 100), InfoOf(2, 100));
  INFO("write: " << MessageOf(w));
  CHECK_FALSE(w.has_value());
  CHECK(ErrOf(w) != Errc::kTimeout);
  CHECK(MsSince(t0) < 1000);
  Unit again = ReadUnit(c, 5s);
  INFO("read after the write: " << again.Text());
  CHECK_FALSE(again.r.has_value());
  CHECK(ErrOf(again.r) != Errc::kTimeout);
  CHECK(again.ms < 1000);
}

TEST_CASE("a peer restarting on the same address and port: RESTART, then data flows on the same SctpConn") {
  RequireTopology();
  netsctp::SctpListener l = MUST(InNetns("b", [] { return SurvivorConfig().Listen("sctp", "192.0.2.2:0"); }));
  const std::uint16_t port = l.Addr().port;
  // The first life: a random local port, reported to the test.
  Peer first = Peer::Start([port](PeerIo& io) {
    if (auto e = EnterNetns("a"); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    netsctp::Dialer d = PeerDialer();
    d.local_addr = netsctp::ResolveSctpAddr("sctp", "192.0.2.1:0").value();
    auto c = d.Dial("sctp", HostPort("192.0.2.2", port));
    if (!c) {
      io.Say("fail: " + Describe(c.error()));
      return 1;
    }
    // Linger 0: when this process dies its kernel drops the association at
    // once (ABORT, lost on the cut link), as a host that reboots forgets it.
    // A graceful close would keep retransmitting SHUTDOWN and, once the link
    // is back, shut the survivor's association down before the new life starts.
    (void)c->SetLinger(0);
    if (auto e = SendMsgs(*c, 1, 60); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    if (auto e = ReadMsgs(*c, 2, 60); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    io.Say("ready " + std::to_string(c->LocalAddr().port));
    (void)io.Hear(60s);
    return 0;
  });
  SctpConn c = AcceptUp(l);
  const std::int32_t assoc_id = evtest::AssocId(c);
  ExpectMsgs(c, 1, 60);
  SendMsgsOrFail(c, 2, 60);
  const std::string peer_port = first.Expect("ready ");
  REQUIRE(std::to_string(c.RemoteAddr().port) == peer_port);

  {
    LinkDown cut(1);
    first.Kill();
    ExpectKilled(first);
    cut.Up();
  }
  CHECK(MUST(c.Status()).state == netsctp::AssocState::kEstablished);  // it heard nothing

  // The second life: same address, same port; it sends, reads and closes.
  Peer second = Peer::Start([port, peer_port](PeerIo& io) {
    if (auto e = EnterNetns("a"); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    netsctp::Dialer d = PeerDialer();
    d.local_addr = netsctp::ResolveSctpAddr("sctp", "192.0.2.1:" + peer_port).value();
    auto c2 = d.Dial("sctp", HostPort("192.0.2.2", port));
    if (!c2) {
      io.Say("fail: " + Describe(c2.error()));
      return 1;
    }
    io.Say("up " + std::to_string(c2->LocalAddr().port));
    if (auto e = SendMsgs(*c2, 4, 80); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    if (auto e = ReadMsgs(*c2, 5, 80); !e.empty()) {
      io.Say("fail: " + e);
      return 1;
    }
    if (auto r = c2->Close(); !r) {
      io.Say("fail: close: " + Describe(r.error()));
      return 1;
    }
    io.Say("done");
    return 0;
  });
  CHECK(second.Expect("up ") == peer_port);
  // On the survivor: RESTART on the same association, then the new life's
  // messages on the same SctpConn, and no new association to accept.
  Unit restart = ReadUnit(c, 10s);
  INFO("after the restart: " << restart.Text());
  REQUIRE(IsAssoc(restart, AssocChangeState::kRestart));
  CHECK(std::get<AssocChangeEvent>(*restart.event()).assoc_id == assoc_id);
  ExpectMsgs(c, 4, 80);
  SendMsgsOrFail(c, 5, 80);
  second.Expect("done");
  CHECK(second.Reap() == 0);
  // The new life closed gracefully: the orderly end follows.
  Unit sd = ReadUnit(c, 10s);
  INFO("then: " << sd.Text());
  CHECK(IsShutdown(sd));
  (void)ExpectOrderlyEnd(c);
  MUST(l.SetDeadline(In(300ms)));
  CHECK(ErrOf(l.Accept()) == Errc::kTimeout);
}
