// sctpcat: the netcat of SCTP, on netsctp. Dials (or listens for)
// associations, sends what it reads (lines, hex lines, records that choose
// stream, PPID, ordering and partial reliability per message, raw bytes, whole
// files, or generated load) and prints every message and chosen event it
// receives as one line, as text or JSON. Handy for poking at an S1AP, NGAP or
// Diameter peer by hand and for scripted tests; run it through tools/sctp-lab
// where the kernel lacks SCTP. docs/man/sctpcat.1 is its manual.
//
// Modes:
//   sctpcat ADDRESS            one association, dialed
//   sctpcat -l ADDRESS         one association, accepted
//   sctpcat -l -k ADDRESS      one association after another, accepted
//   sctpcat -l -m ADDRESS      any number at once, on a one-to-many socket
//
// Threads: the main thread reads and prints (and echoes); one sender thread
// reads the input and writes. The sender is never waited for at the end (it
// may sit in a read of a terminal): the process ends with _Exit.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
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
#include "sctpcat/input.h"
#include "sctpcat/options.h"
#include "sctpcat/output.h"

namespace {

using namespace sctpcat;
using Clock = std::chrono::steady_clock;

// Larger messages are read to their end and dropped, so that one peer cannot
// make the tool allocate without bound.
constexpr std::size_t kMaxMessage = 64 * 1024 * 1024;

// Errors that mean the association itself is gone, not just one message.
bool IsLost(const netsctp::Error& e) {
  return e == std::errc::connection_reset || e == std::errc::timed_out || e == std::errc::connection_aborted ||
         e == std::errc::broken_pipe;
}

// Address typos are usage errors; everything else about associating is a
// connection failure.
int SetupExitCode(const netsctp::Error& e) {
  using netsctp::Errc;
  if (e == Errc::kMissingPort || e == Errc::kTooManyColons || e == Errc::kMissingBracket || e == Errc::kBadPort ||
      e == Errc::kUnknownNetwork || e == Errc::kMixedPorts || e == Errc::kNoSuitableAddress) {
    return kExitUsage;
  }
  return kExitConnect;
}

void Report(const std::string& what) { std::fprintf(stderr, "sctpcat: %s\n", what.c_str()); }

// State shared by the reading and the sending thread.
struct Run {
  explicit Run(const Options& opts) : o(opts), out(opts) {}

  const Options& o;
  Printer out;
  std::atomic<Clock::rep> last_activity{Clock::now().time_since_epoch().count()};
  std::atomic<int> send_rc{kExitOk};  // set by the sender when it gives up
  std::atomic<bool> send_failed{false};  // some message was refused (-k, -m: served on)
  long received = 0;

  // The sender says when it has finished, so that the end of the run can
  // wait for its last words (the --load summary) where it cannot block on
  // a terminal.
  void SenderDone() {
    const std::lock_guard lock(done_mu);
    sender_done = true;
    done_cv.notify_all();
  }
  void AwaitSender(std::chrono::seconds limit) {
    std::unique_lock lock(done_mu);
    done_cv.wait_for(lock, limit, [this] { return sender_done; });
  }
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool sender_done = false;

  void Touch() { last_activity = Clock::now().time_since_epoch().count(); }
  Clock::time_point IdleDeadline() const {
    return Clock::time_point(Clock::duration(last_activity.load())) + std::chrono::seconds(o.idle_s);
  }
  bool IdleExpired() const { return o.idle_s > 0 && Clock::now() >= IdleDeadline(); }
  bool CountReached() const { return o.count >= 0 && received >= o.count; }
  bool Printed(netsctp::EventType t) const {
    return std::find(o.events.begin(), o.events.end(), t) != o.events.end();
  }
};

// The events to subscribe: those printed, plus what a mode needs itself.
std::vector<netsctp::EventType> Subscriptions(const Options& o, std::span<const netsctp::EventType> needed) {
  std::vector<netsctp::EventType> s = o.events;
  for (auto t : needed)
    if (std::find(s.begin(), s.end(), t) == s.end()) s.push_back(t);
  return s;
}

// RTO and heartbeat options, set on the socket before it binds: they become
// the defaults of every association it makes (accepted ones inherit them).
netsctp::ControlHook TuningHook(const Options& o) {
  if (!o.rto_min && !o.rto_max && !o.rto_initial && !o.hb_interval) return nullptr;
  return [&o](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    const netsctp::AssocOptions opts(fd, 0, 0);
    if (o.rto_min || o.rto_max || o.rto_initial) {
      const netsctp::RtoInfo rto{.initial = o.rto_initial.value_or(0), .min = o.rto_min.value_or(0),
                                 .max = o.rto_max.value_or(0)};
      if (auto r = opts.SetRtoInfo(rto); !r) return r.error().WithContext("--rto-initial/--rto-min/--rto-max");
    }
    if (o.hb_interval) {
      netsctp::PathParams p;
      p.heartbeat_enabled = *o.hb_interval != 0;
      if (*o.hb_interval != 0) p.heartbeat_interval = *o.hb_interval;
      if (auto r = opts.SetPathParams(p); !r) return r.error().WithContext("--hb-interval");
    }
    return {};
  };
}

netsctp::InitOptions Init(const Options& o) {
  netsctp::InitOptions init;
  init.num_ostreams = o.out_streams;
  init.max_instreams = o.in_streams;
  return init;
}

// ---- reading whole messages of any size

const netsctp::Message& MsgOf(const netsctp::Message& m) { return m; }
const netsctp::Message& MsgOf(const netsctp::EndpointMsg& m) { return m.msg; }

struct Whole {
  bool is_event = false;
  std::span<const std::byte> bytes;
  netsctp::RcvInfo info;
};

// Reads messages piece by piece (ReadMsg) into a buffer that grows as a
// message needs, so that a message of any size up to kMaxMessage arrives
// whole. A read cut short by the idle deadline keeps its pieces for the next.
template <typename Socket>
class WholeReader {
 public:
  bool Read(Socket& s, Whole& w, netsctp::Error& err) {
    for (;;) {
      if (used_ == buf_.size()) {
        if (buf_.size() >= kMaxMessage) {
          dropping_ = true;
          used_ = 0;
        } else {
          buf_.resize(buf_.size() * 2);
        }
      }
      auto r = s.ReadMsg(std::span(buf_).subspan(used_));
      if (!r) {
        err = r.error();
        return false;
      }
      const netsctp::Message& m = MsgOf(*r);
      if (used_ > 0 && m.Notification() != notification_) {
        // A data message was abandoned part way (its PARTIAL_DELIVERY event is here).
        std::memmove(buf_.data(), buf_.data() + used_, m.n);
        used_ = 0;
        dropping_ = false;
      }
      notification_ = m.Notification();
      used_ += m.n;
      if (!m.Eor()) continue;
      const std::size_t n = used_;
      used_ = 0;
      if (dropping_) {
        dropping_ = false;
        Report("a message larger than " + std::to_string(kMaxMessage) + " bytes was dropped");
        continue;
      }
      w.is_event = m.Notification();
      w.bytes = std::span<const std::byte>(buf_).first(n);
      w.info = m.info;
      return true;
    }
  }

 private:
  std::vector<std::byte> buf_ = std::vector<std::byte>(65536);
  std::size_t used_ = 0;
  bool notification_ = false;
  bool dropping_ = false;
};

// ---- what to send: files, generated load, or standard input

class Source {
 public:
  explicit Source(const Options& o) : o_(o), stdin_(o) {}

  std::optional<OutUnit> Next() {
    if (!o_.files.empty()) {
      if (file_ == o_.files.size()) return std::nullopt;
      OutUnit u{.info = FixedSndInfo(o_)};
      if (const std::string err = ReadFile(o_.files[file_++], u.data); !err.empty()) {
        Report("--file " + err);
        had_error_ = true;
        return Next();
      }
      return u;
    }
    if (o_.load_count >= 0) {
      if (load_i_ == o_.load_count) return std::nullopt;
      if (load_i_ == 0) start_ = Clock::now();
      if (o_.load_rate > 0) {
        std::this_thread::sleep_until(start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                                   static_cast<double>(load_i_) / o_.load_rate)));
      }
      OutUnit u{.info = FixedSndInfo(o_)};
      u.data.resize(o_.load_size);
      // Printable and numbered, so that a receiver can tell messages apart.
      const std::string head = std::to_string(load_i_) + " ";
      for (std::size_t i = 0; i < u.data.size(); ++i) {
        u.data[i] = static_cast<std::byte>(i < head.size() ? head[i] : 'a' + static_cast<char>(i % 26));
      }
      ++load_i_;
      return u;
    }
    return stdin_.Next();
  }
  bool had_error() const { return had_error_ || stdin_.had_error(); }
  bool IsLoad() const { return o_.load_count >= 0; }
  Clock::time_point start() const { return start_; }

 private:
  const Options& o_;
  StdinSource stdin_;
  std::size_t file_ = 0;
  long load_i_ = 0;
  Clock::time_point start_ = Clock::now();
  bool had_error_ = false;
};

// Counts what the sender sent and, for --load, prints the summary.
struct SendTally {
  long messages = 0;
  std::uint64_t bytes = 0;
  void Add(std::size_t n) {
    ++messages;
    bytes += n;
  }
  void Print(Run& run, const Source& src) const {
    if (!src.IsLoad()) return;
    run.out.Summary({.messages = messages, .bytes = bytes, .elapsed = Clock::now() - src.start()});
  }
};

// ---- one association at a time (dial, -l, -l -k)

// The association being served, shared with the sender: the read loop sets
// and clears it; writes (the sender's and echoes) go one at a time.
class ConnSlot {
 public:
  void Set(std::shared_ptr<netsctp::SctpConn> conn, std::string peer) {
    const std::lock_guard lock(mu_);
    conn_ = std::move(conn);
    peer_ = std::move(peer);
  }
  void Clear() { Set(nullptr, {}); }
  std::shared_ptr<netsctp::SctpConn> Get(std::string& peer) const {
    const std::lock_guard lock(mu_);
    peer = peer_;
    return conn_;
  }
  netsctp::Result<std::size_t> Write(netsctp::SctpConn& conn, std::span<const std::byte> data,
                                     const netsctp::SndInfo& info) {
    const std::lock_guard lock(write_mu_);
    return conn.WriteMsg(data, info);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<netsctp::SctpConn> conn_;
  std::string peer_;
  std::mutex write_mu_;
};

// The sender of the one-to-one modes. On one association (not -k), a
// message that cannot be sent ends the run: the association is closed, which
// wakes the reader, and the exit code says why. With -k it is reported and
// the next message goes on. At the end of the input a dialed association is
// shut down, unless the run waits for a count (-c) or echoes (-E); a listener
// leaves the ending to the peer (or -c, or the idle timeout).
void SendToConn(Run& run, ConnSlot& slot) {
  Source src(run.o);
  SendTally tally;
  std::string peer;
  while (auto u = src.Next()) {
    // A bad input line was skipped: say so now, before the run may end (the
    // peer can finish on the next message, e.g. with -c).
    if (src.had_error()) run.send_failed = true;
    auto conn = slot.Get(peer);
    if (!conn) {
      Report("send: no association is up; message dropped");
      continue;
    }
    auto w = slot.Write(*conn, u->data, u->info);
    if (w) {
      tally.Add(u->data.size());
      run.Touch();
      continue;
    }
    // Closed by the reader: that association is over.
    if (w.error() == netsctp::Errc::kClosed || w.error() == std::errc::bad_file_descriptor) {
      if (run.o.keep_open) continue;
      break;
    }
    Report("send to " + peer + ": " + w.error().message());
    run.send_failed = true;
    if (!run.o.keep_open) {
      run.send_rc = IsLost(w.error()) ? kExitLost : kExitFailed;
      // A graceful shutdown ends the reader's wait (end of stream); Close
      // would abort while a notification is still unread, and the peer would
      // see the association lost. Close only when no shutdown can start.
      if (!conn->CloseWrite()) (void)conn->Close();
      tally.Print(run, src);
      return;
    }
  }
  tally.Print(run, src);
  if (src.had_error()) run.send_failed = true;
  if (run.o.listen || run.o.count >= 0 || run.o.echo) return;
  if (auto conn = slot.Get(peer)) (void)conn->CloseWrite();
}

enum class End { kPeerDone, kLost, kFailed, kCount, kIdle, kClosed };

// Reads, prints and echoes until the association or the run ends.
End ServeConn(Run& run, ConnSlot& slot, netsctp::SctpConn& conn, const std::string& peer) {
  WholeReader<netsctp::SctpConn> reader;
  for (;;) {
    if (run.CountReached()) return End::kCount;
    if (run.o.idle_s > 0) (void)conn.SetReadDeadline(run.IdleDeadline());
    Whole w;
    netsctp::Error err;
    if (!reader.Read(conn, w, err)) {
      if (err == netsctp::Errc::kTimeout) {
        if (run.IdleExpired()) {
          Report("idle for " + std::to_string(run.o.idle_s) + " s: closing the association with " + peer);
          return End::kIdle;
        }
        continue;
      }
      if (err == netsctp::Errc::kEndOfStream) return End::kPeerDone;
      // ENOTCONN: the association is gone; whether by a shutdown both ends
      // started or by an ABORT, the connection remembers.
      if (err == std::errc::not_connected) {
        auto alive = conn.Alive();
        if (alive || !IsLost(alive.error())) return End::kPeerDone;
        err = alive.error();
      }
      if (err == netsctp::Errc::kClosed) return End::kClosed;
      if (IsLost(err)) {
        Report("association with " + peer + " lost: " + err.message());
        return End::kLost;
      }
      Report("read from " + peer + ": " + err.message());
      return End::kFailed;
    }
    run.Touch();
    if (w.is_event) {
      auto ev = netsctp::ParseEvent(w.bytes);
      if (!ev) {
        Report("event from " + peer + ": " + ev.error().message());
      } else if (run.Printed(netsctp::TypeOf(*ev))) {
        run.out.Event(*ev);
      }
      continue;
    }
    run.out.Data(w.info.assoc_id, w.info, w.bytes);
    ++run.received;
    if (run.o.echo) {
      netsctp::SndInfo back{.sid = w.info.sid, .ppid = w.info.ppid};
      if (w.info.Unordered()) back.flags = netsctp::SndFlags::kUnordered;
      if (auto r = slot.Write(conn, w.bytes, back); !r) {
        if (r.error() == netsctp::Errc::kClosed) return End::kClosed;
        Report("echo to " + peer + ": " + r.error().message());
        return IsLost(r.error()) ? End::kLost : End::kFailed;
      }
    }
  }
}

int ExitCodeOf(End e) {
  switch (e) {
    case End::kPeerDone:
    case End::kCount:
    case End::kClosed: return kExitOk;
    case End::kLost: return kExitLost;
    case End::kFailed: return kExitFailed;
    case End::kIdle: return kExitIdle;
  }
  return kExitFailed;
}

// One association (dialed or accepted), then the process ends.
[[noreturn]] void ServeOne(Run& run, netsctp::SctpConn accepted_or_dialed) {
  auto conn = std::make_shared<netsctp::SctpConn>(std::move(accepted_or_dialed));
  const std::string peer = conn->RemoteAddr().String();
  ConnSlot slot;
  slot.Set(conn, peer);
  std::thread sender([&] {
    SendToConn(run, slot);
    run.SenderDone();
  });
  sender.detach();
  const End e = ServeConn(run, slot, *conn, peer);
  (void)conn->Close();  // also wakes the sender if it is blocked in a write
  // Generated or file input ends soon once writes fail; standard input may not.
  if (run.o.load_count >= 0 || !run.o.files.empty()) run.AwaitSender(std::chrono::seconds(2));
  int rc = run.send_rc != kExitOk ? run.send_rc.load() : ExitCodeOf(e);
  if (rc == kExitOk && run.send_failed) rc = kExitFailed;
  std::fflush(stdout);
  std::_Exit(rc);
}

// -l -k: associations one after another, until -c, the idle timeout or a signal.
[[noreturn]] void ServeSequence(Run& run, netsctp::SctpListener& ln) {
  ConnSlot slot;
  std::thread sender([&] { SendToConn(run, slot); });
  sender.detach();
  int rc = kExitOk;
  for (;;) {
    if (run.o.idle_s > 0) (void)ln.SetDeadline(run.IdleDeadline());
    auto c = ln.Accept();
    if (!c) {
      if (c.error() == netsctp::Errc::kTimeout) {
        if (!run.IdleExpired()) continue;
        Report("idle for " + std::to_string(run.o.idle_s) + " s: no more associations");
        rc = kExitIdle;
        break;
      }
      Report("accept on " + ln.Addr().String() + ": " + c.error().message());
      rc = kExitConnect;
      break;
    }
    run.Touch();
    auto conn = std::make_shared<netsctp::SctpConn>(std::move(*c));
    const std::string peer = conn->RemoteAddr().String();
    Report("association from " + peer);
    slot.Set(conn, peer);
    const End e = ServeConn(run, slot, *conn, peer);
    slot.Clear();
    (void)conn->Close();
    Report("association from " + peer + " ended");
    if (e == End::kCount) break;
    if (e == End::kIdle) {
      rc = kExitIdle;
      break;
    }
  }
  if (rc == kExitOk && run.send_failed) rc = kExitFailed;
  std::fflush(stdout);
  std::_Exit(rc);
}

// ---- one-to-many listener (-l -m)

// The associations alive on the endpoint, as its ASSOC_CHANGE events tell:
// the read loop keeps it, the sender sends to a copy of it.
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

// Writes from the read loop (echo) and the sender go through here: an
// endpoint takes one writer at a time. Each write may block for at most
// `limit`, so that one peer that stops reading cannot stall the others for
// good (with the default socket-wide send buffer it would).
class EndpointWriter {
 public:
  EndpointWriter(netsctp::SctpEndpoint& ep, std::chrono::seconds limit) : ep_(ep), limit_(limit) {}

  // Sends `data` on association info.assoc_id. A failure is that
  // association's alone (it may have just ended): it is reported and the
  // caller goes on. False only once the endpoint is closed.
  bool Write(std::span<const std::byte> data, const netsctp::SndInfo& info, const char* what, bool& sent) {
    const std::lock_guard lock(mu_);
    sent = false;
    if (limit_.count() != 0) (void)ep_.SetWriteDeadline(Clock::now() + limit_);
    auto w = ep_.WriteMsg(data, info);
    if (w) {
      sent = true;
      return true;
    }
    // Closed while waiting, or already closed: the program is ending.
    if (w.error() == netsctp::Errc::kClosed || w.error() == std::errc::bad_file_descriptor) return false;
    // The library names the association in the context; a timeout has none.
    const std::string why = w.error().context().empty()
                                ? "write to association " + std::to_string(info.assoc_id) + ": " + w.error().message()
                                : w.error().message();
    Report(std::string(what) + ": " + why);
    return true;
  }

 private:
  std::mutex mu_;
  netsctp::SctpEndpoint& ep_;
  const std::chrono::seconds limit_;
};

// Sends each input message to its association (records' assoc=ID) or to
// every association alive when it is read. The end of input ends nothing:
// new peers may still come and be echoed.
void SendToMany(Run& run, EndpointWriter& writer, const LiveAssocs& live) {
  Source src(run.o);
  SendTally tally;
  std::vector<std::int32_t> ids;
  while (auto u = src.Next()) {
    if (u->assoc) {
      ids.assign(1, *u->assoc);
    } else {
      live.CopyTo(ids);
      if (ids.empty()) Report("send: no association is up; line dropped");
    }
    for (const std::int32_t id : ids) {
      u->info.assoc_id = id;
      bool sent = false;
      if (!writer.Write(u->data, u->info, "send", sent)) return;
      if (sent) {
        tally.Add(u->data.size());
        run.Touch();
      }
    }
  }
  tally.Print(run, src);
}

[[noreturn]] void ServeMany(Run& run, netsctp::SctpEndpoint& ep) {
  LiveAssocs live;
  EndpointWriter writer(ep, std::chrono::seconds(run.o.timeout_s));
  std::thread sender([&] { SendToMany(run, writer, live); });
  sender.detach();
  WholeReader<netsctp::SctpEndpoint> reader;
  int rc = kExitOk;
  while (!run.CountReached()) {
    if (run.o.idle_s > 0) (void)ep.SetReadDeadline(run.IdleDeadline());
    Whole w;
    netsctp::Error err;
    if (!reader.Read(ep, w, err)) {
      if (err == netsctp::Errc::kTimeout) {
        if (!run.IdleExpired()) continue;
        Report("idle for " + std::to_string(run.o.idle_s) + " s: closing every association");
        rc = kExitIdle;
        break;
      }
      Report("read on " + ep.Addr().String() + ": " + err.message());
      rc = kExitFailed;
      break;
    }
    run.Touch();
    if (w.is_event) {
      auto ev = netsctp::ParseEvent(w.bytes);
      if (!ev) {
        Report("event: " + ev.error().message());
        continue;
      }
      if (const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&*ev)) live.Track(*ac);
      if (run.Printed(netsctp::TypeOf(*ev))) run.out.Event(*ev);
      continue;
    }
    run.out.Data(w.info.assoc_id, w.info, w.bytes);
    ++run.received;
    if (run.o.echo) {
      netsctp::SndInfo back{.sid = w.info.sid, .ppid = w.info.ppid, .assoc_id = w.info.assoc_id};
      if (w.info.Unordered()) back.flags = netsctp::SndFlags::kUnordered;
      bool sent = false;
      if (!writer.Write(w.bytes, back, "echo", sent)) break;
    }
  }
  // Shuts every association down (gracefully, after what was written, unless
  // it still has unread data) and wakes the sender if it is blocked in a write.
  (void)ep.Close();
  std::fflush(stdout);
  std::_Exit(rc);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  Run run(o);
  const auto hook = TuningHook(o);

  if (o.listen && o.many) {
    netsctp::EndpointConfig ec;
    ec.init_options = Init(o);
    ec.control = hook;
    // ASSOC_CHANGE tells which associations are alive, whether printed or not.
    ec.events = Subscriptions(o, std::array{netsctp::EventType::kAssocChange});
    auto ep = ec.Open(o.network, o.address);
    if (!ep) {
      Report("listen: " + ep.error().message());
      return SetupExitCode(ep.error());
    }
    Report("listening on " + ep->Addr().String() + " (one-to-many)");
    ServeMany(run, *ep);
  }

  if (o.listen) {
    netsctp::ListenConfig lc;
    lc.init_options = Init(o);
    lc.control = hook;
    lc.events = Subscriptions(o, {});
    auto ln = lc.Listen(o.network, o.address);
    if (!ln) {
      Report("listen: " + ln.error().message());
      return SetupExitCode(ln.error());
    }
    Report("listening on " + ln->Addr().String());
    if (o.keep_open) ServeSequence(run, *ln);
    if (o.idle_s > 0) (void)ln->SetDeadline(run.IdleDeadline());
    auto conn = ln->Accept();
    if (!conn) {
      if (conn.error() == netsctp::Errc::kTimeout) {
        Report("idle for " + std::to_string(o.idle_s) + " s: no association came");
        return kExitIdle;
      }
      Report("accept on " + ln->Addr().String() + ": " + conn.error().message());
      return kExitConnect;
    }
    Report("association from " + conn->RemoteAddr().String());
    (void)ln->Close();
    run.Touch();
    ServeOne(run, std::move(*conn));
  }

  netsctp::Dialer d;
  d.events = Subscriptions(o, {});
  d.timeout = std::chrono::seconds(o.timeout_s);
  d.init_options = Init(o);
  d.control = hook;
  if (o.local) {
    auto l = netsctp::ResolveSctpAddr(o.network, *o.local);
    if (!l) {
      Report("local address: " + l.error().message());
      return SetupExitCode(l.error());
    }
    d.local_addr = *l;
  }
  auto conn = d.Dial(o.network, o.address);
  if (!conn) {
    Report(conn.error().message());
    return SetupExitCode(conn.error());
  }
  Report("associated " + conn->LocalAddr().String() + " -> " + conn->RemoteAddr().String());
  run.Touch();
  ServeOne(run, std::move(*conn));
}
