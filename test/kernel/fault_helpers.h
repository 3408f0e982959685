// Traffic for the fault tests: a planned flow of self-checking messages, a
// receiver-side checker, and a Peer that writes one flow and reads the other
// (with every event) on its own threads while the test thread cuts links.
//
// Every message carries its flow tag, its sequence number in the flow, its
// stream, PPID and ordered/unordered flag, its length and a checksum of all
// that follows the checksum field. The receiver checks each one against
// what SCTP reported (RcvInfo) and against the plan, and that it arrives
// exactly once; on an ordered stream, the messages sent ordered arrive in
// the order sent.
//
// Catch2 v2 assertions are not thread-safe: the Peer's threads only record
// (counters, failure texts, events); CheckFlow and friends assert and run on
// the test thread after Peer::Join.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/error.h"
#include "netsctp/event.h"
#include "netsctp/info.h"

namespace fault {

using namespace std::chrono_literals;
using ktest::Clock;

// ---- what a flow sends

// The shape of one flow. Message k of the flow goes on a stream drawn from
// `streams`; a stream in `unordered_streams` (bit per stream) carries only
// unordered messages, a stream in `mixed_streams` one unordered message in
// `mixed_every`. Sizes (whole payload, header included) are drawn from four
// classes; every `max_every`-th message has exactly `max_size` bytes.
struct Profile {
  std::uint16_t streams = 4;
  std::uint32_t unordered_streams = 0;
  std::uint32_t mixed_streams = 0;
  std::uint32_t mixed_every = 4;
  // Percentages of small, medium and large messages; the rest are huge.
  unsigned small_pct = 100, medium_pct = 0, large_pct = 0;
  std::size_t small_max = 512, medium_max = 4096, large_max = 16384, max_size = 65536;
  std::uint32_t max_every = 0;  // 0: never
  std::uint32_t max_messages = 1000;  // the writer stops there, or earlier when told
  std::chrono::microseconds pace{0};  // pause between two messages
};

inline constexpr std::size_t kHeader = 32;
inline constexpr std::uint32_t kMagic = 0x4e534654;  // "NSFT"

inline std::uint64_t SplitMix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a over `b`.
inline std::uint32_t Checksum(std::span<const std::byte> b) {
  std::uint32_t h = 2166136261u;
  for (std::byte x : b) h = (h ^ static_cast<std::uint32_t>(x)) * 16777619u;
  return h;
}

// Message `seq` of flow `tag`, as planned.
struct Planned {
  std::uint16_t sid = 0;
  bool unordered = false;
  std::size_t size = kHeader;
  std::uint32_t ppid = 0;
};

inline Planned Plan(const Profile& p, std::uint32_t tag, std::uint32_t seq) {
  const std::uint64_t r = SplitMix((std::uint64_t{tag} << 32) | seq);
  Planned m;
  m.sid = static_cast<std::uint16_t>(r % p.streams);
  const std::uint32_t bit = 1u << m.sid;
  m.unordered = (p.unordered_streams & bit) != 0 ||
                ((p.mixed_streams & bit) != 0 && p.mixed_every != 0 && (r >> 16) % p.mixed_every == 0);
  const unsigned cls = static_cast<unsigned>((r >> 24) % 100);
  const std::uint64_t v = r >> 32;
  std::size_t lo = kHeader, hi = p.small_max;
  if (cls >= p.small_pct + p.medium_pct + p.large_pct) {
    lo = p.large_max + 1;
    hi = p.max_size;
  } else if (cls >= p.small_pct + p.medium_pct) {
    lo = p.medium_max + 1;
    hi = p.large_max;
  } else if (cls >= p.small_pct) {
    lo = p.small_max + 1;
    hi = p.medium_max;
  }
  m.size = lo + static_cast<std::size_t>(v % (hi - lo + 1));
  if (p.max_every != 0 && seq % p.max_every == p.max_every - 1) m.size = p.max_size;
  // A PPID that differs from message to message, so that each one's is checked.
  m.ppid = 0x10000000u + tag * 0x100000u + seq * 16u + m.sid;
  return m;
}

// Header layout (native byte order: both ends are on one machine).
struct Header {
  std::uint32_t magic;
  std::uint32_t checksum;  // of bytes [8, size)
  std::uint32_t tag;
  std::uint32_t seq;       // in the flow
  std::uint16_t sid;
  std::uint16_t unordered;
  std::uint32_t oseq;      // among the ordered messages of this stream
  std::uint32_t ppid;
  std::uint32_t size;
};
static_assert(sizeof(Header) == kHeader);

// Fills `out` (resized to the planned size) with message `seq`.
inline void Build(const Planned& m, std::uint32_t tag, std::uint32_t seq, std::uint32_t oseq,
                  std::vector<std::byte>& out) {
  out.resize(m.size);
  Header h{kMagic, 0, tag, seq, m.sid, static_cast<std::uint16_t>(m.unordered ? 1 : 0), oseq, m.ppid,
           static_cast<std::uint32_t>(m.size)};
  std::uint64_t x = SplitMix(~((std::uint64_t{tag} << 32) | seq));
  for (std::size_t i = kHeader; i < out.size(); ++i) {
    if ((i - kHeader) % 8 == 0) x = SplitMix(x);
    out[i] = static_cast<std::byte>(x >> (8 * ((i - kHeader) % 8)));
  }
  std::memcpy(out.data(), &h, sizeof h);
  h.checksum = Checksum(std::span<const std::byte>(out).subspan(8));
  std::memcpy(out.data(), &h, sizeof h);
}

// ---- what a flow receives

// Checks every message of one flow as it arrives. Single-threaded (the reader's).
class FlowChecker {
 public:
  FlowChecker(std::uint32_t tag, Profile p) : tag_(tag), p_(p), next_oseq_(p.streams, 0), per_stream_(p.streams, 0) {}

  void OnData(std::span<const std::byte> b, const netsctp::Message& msg) {
    ++received_;
    Header h{};
    if (b.size() < kHeader) return Fail("a message of " + std::to_string(b.size()) + " bytes, shorter than a header");
    std::memcpy(&h, b.data(), sizeof h);
    const std::string at = "message seq " + std::to_string(h.seq) + " sid " + std::to_string(msg.info.sid) + ": ";
    if (h.magic != kMagic || h.tag != tag_) return Fail(at + "not of this flow (magic/tag)");
    if (h.size != b.size()) return Fail(at + std::to_string(b.size()) + " bytes, header says " + std::to_string(h.size));
    if (Checksum(b.subspan(8)) != h.checksum) return Fail(at + "checksum mismatch (content damaged)");
    if (!msg.Eor()) return Fail(at + "not whole (no EOR)");
    if (!msg.has_info) return Fail(at + "no RcvInfo");
    const Planned want = Plan(p_, tag_, h.seq);
    if (h.sid != want.sid || h.ppid != want.ppid || (h.unordered != 0) != want.unordered || h.size != want.size)
      return Fail(at + "header differs from the plan");
    if (msg.info.sid != h.sid) return Fail(at + "arrived on stream " + std::to_string(msg.info.sid));
    if (msg.info.ppid != h.ppid)
      return Fail(at + "PPID " + std::to_string(msg.info.ppid) + ", sent " + std::to_string(h.ppid));
    if (msg.info.Unordered() != want.unordered) return Fail(at + "unordered flag not as sent");
    if (h.seq >= seen_.size()) seen_.resize(h.seq + 1, false);
    if (seen_[h.seq]) return Fail(at + "duplicate");
    seen_[h.seq] = true;
    ++unique_;
    ++per_stream_[h.sid];
    if (want.unordered) {
      ++unordered_;
      if (h.seq < max_seq_) ++overtaken_;
    } else {
      if (h.oseq != next_oseq_[h.sid])
        return Fail(at + "ordered message " + std::to_string(h.oseq) + " of its stream, expected " +
                    std::to_string(next_oseq_[h.sid]));
      ++next_oseq_[h.sid];
    }
    if (h.seq > max_seq_) max_seq_ = h.seq;
  }

  std::uint32_t received() const noexcept { return received_; }
  std::uint32_t unique() const noexcept { return unique_; }
  std::uint32_t unordered() const noexcept { return unordered_; }
  // Unordered messages that arrived after a later-sent message.
  std::uint32_t overtaken() const noexcept { return overtaken_; }
  const std::vector<std::string>& failures() const noexcept { return failures_; }
  std::uint32_t failure_count() const noexcept { return failure_count_; }
  const std::vector<bool>& seen() const noexcept { return seen_; }
  const std::vector<std::uint32_t>& ordered_received() const noexcept { return next_oseq_; }
  const std::vector<std::uint32_t>& per_stream() const noexcept { return per_stream_; }

 private:
  void Fail(std::string what) {
    ++failure_count_;
    if (failures_.size() < 20) failures_.push_back(std::move(what));
  }

  std::uint32_t tag_;
  Profile p_;
  std::vector<bool> seen_;
  std::vector<std::uint32_t> next_oseq_;
  std::vector<std::uint32_t> per_stream_;
  std::vector<std::string> failures_;
  std::uint32_t failure_count_ = 0;
  std::uint32_t received_ = 0, unique_ = 0, unordered_ = 0, overtaken_ = 0, max_seq_ = 0;
};

// ---- events

// One event as the reader saw it, with how many data messages came before it.
struct EventRecord {
  netsctp::EventType type{};
  std::int32_t state = -1;  // AssocChangeState or PeerAddrState; -1 for other events
  std::string addr;         // PEER_ADDR_CHANGE: the peer address, without zone
  std::int32_t error = 0;
  std::uint32_t data_before = 0;
  std::string text;  // ToString
};

inline EventRecord Record(const netsctp::Event& ev, std::uint32_t data_before) {
  EventRecord r;
  r.type = netsctp::TypeOf(ev);
  r.data_before = data_before;
  r.text = netsctp::ToString(ev);
  if (const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&ev)) {
    r.state = static_cast<std::int32_t>(ac->state);
    r.error = static_cast<std::int32_t>(ac->error);
  } else if (const auto* pa = std::get_if<netsctp::PeerAddrChangeEvent>(&ev)) {
    r.state = static_cast<std::int32_t>(pa->state);
    r.addr = ktest::HostText(pa->addr);
    r.error = pa->error;
  }
  return r;
}

// ---- one end of the association at work

// Writes flow `out` on `conn` from one thread and reads flow `in` and every
// event from another, until told to stop. Start, StopWriting, StopReading
// and Join are for the test thread; the snapshots may be read any time.
class Peer {
 public:
  Peer(std::string name, netsctp::SctpConn& conn, std::uint32_t out_tag, Profile out, std::uint32_t in_tag,
       Profile in)
      : name_(std::move(name)), conn_(&conn), out_tag_(out_tag), out_(out), checker_(in_tag, in),
        ordered_sent_(out.streams, 0) {}
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() {
    StopWriting();
    StopReading();
    Join();
  }

  void Start() {
    writer_ = std::thread([this] { WriteLoop(); });
    reader_ = std::thread([this] { ReadLoop(); });
  }
  void StopWriting() { stop_writing_ = true; }
  void StopReading() { stop_reading_ = true; }
  void Join() {
    if (writer_.joinable()) writer_.join();
    if (reader_.joinable()) reader_.join();
  }

  const std::string& name() const noexcept { return name_; }
  std::uint32_t Sent() const noexcept { return sent_.load(); }
  bool WriterDone() const noexcept { return writer_done_.load(); }
  std::uint32_t Received() const noexcept { return received_.load(); }
  bool ReaderDone() const noexcept { return reader_done_.load(); }
  std::vector<EventRecord> Events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  bool SawEvent(const std::function<bool(const EventRecord&)>& pred) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : events_)
      if (pred(e)) return true;
    return false;
  }

  // Valid after Join.
  const std::string& write_error() const noexcept { return write_error_; }
  const std::string& read_error() const noexcept { return read_error_; }
  const FlowChecker& checker() const noexcept { return checker_; }
  const std::vector<std::uint32_t>& ordered_sent() const noexcept { return ordered_sent_; }
  std::uint32_t out_tag() const noexcept { return out_tag_; }
  const Profile& out_profile() const noexcept { return out_; }
  // The last unit the reader saw before each event, for failure messages.
  std::string EventLog() const {
    std::string s = name_ + " events:";
    for (const auto& e : Events()) s += "\n  after " + std::to_string(e.data_before) + " messages: " + e.text;
    return s;
  }

 private:
  void WriteLoop() {
    std::vector<std::byte> buf;
    for (std::uint32_t seq = 0; seq < out_.max_messages && !stop_writing_; ++seq) {
      const Planned m = Plan(out_, out_tag_, seq);
      const std::uint32_t oseq = m.unordered ? 0 : ordered_sent_[m.sid];
      Build(m, out_tag_, seq, oseq, buf);
      netsctp::SndInfo info;
      info.sid = m.sid;
      info.ppid = m.ppid;
      info.flags = m.unordered ? netsctp::SndFlags::kUnordered : netsctp::SndFlags::kNone;
      (void)conn_->SetWriteDeadline(Clock::now() + 30s);
      auto r = conn_->WriteMsg(buf, info);
      if (!r || *r != buf.size()) {
        write_error_ = "message " + std::to_string(seq) + ": " +
                       (r ? "short write " + std::to_string(*r) : r.error().message());
        break;
      }
      if (!m.unordered) ++ordered_sent_[m.sid];
      sent_.store(seq + 1);
      if (out_.pace.count() > 0) std::this_thread::sleep_for(out_.pace);
    }
    writer_done_ = true;
  }

  void ReadLoop() {
    std::vector<std::byte> buf(128 * 1024);
    while (!stop_reading_) {
      (void)conn_->SetReadDeadline(Clock::now() + 100ms);
      auto in = conn_->ReadMsgOrEvent(buf);
      if (!in) {
        if (in.error() == netsctp::Errc::kTimeout) continue;
        read_error_ = in.error().message();
        break;
      }
      if (in->IsEvent()) {
        EventRecord e = Record(*in->event, checker_.received());
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(std::move(e));
        continue;
      }
      checker_.OnData(std::span<const std::byte>(buf.data(), in->msg.n), in->msg);
      received_.store(checker_.received());
    }
    reader_done_ = true;
  }

  std::string name_;
  netsctp::SctpConn* conn_;
  std::uint32_t out_tag_;
  Profile out_;
  FlowChecker checker_;
  std::vector<std::uint32_t> ordered_sent_;
  std::string write_error_, read_error_;
  std::atomic<bool> stop_writing_{false}, stop_reading_{false}, writer_done_{false}, reader_done_{false};
  std::atomic<std::uint32_t> sent_{0}, received_{0};
  mutable std::mutex mu_;
  std::vector<EventRecord> events_;
  std::thread writer_, reader_;
};

// Polls `cond` every 20 ms until it holds or `timeout` passes; true when it held.
inline bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (!cond()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Stops both writers, waits (up to `timeout`) until each reader has every
// message the other side sent, then stops the readers and joins. True when
// everything was delivered in time.
inline bool Drain(Peer& a, Peer& b, std::chrono::milliseconds timeout) {
  a.StopWriting();
  b.StopWriting();
  const bool ok = WaitUntil(
      [&] {
        return a.WriterDone() && b.WriterDone() && a.Received() >= b.Sent() && b.Received() >= a.Sent();
      },
      timeout);
  a.StopReading();
  b.StopReading();
  a.Join();
  b.Join();
  return ok;
}

// ---- assertions (test thread only, after Join)

// Everything `from` sent reached `to` exactly once, intact, with its stream,
// PPID and flag, ordered messages in order on every stream.
inline void CheckFlow(const Peer& from, const Peer& to) {
  const FlowChecker& c = to.checker();
  INFO("flow " << from.name() << " -> " << to.name() << ": sent " << from.Sent() << ", received " << c.received()
               << " (" << c.unique() << " distinct, " << c.unordered() << " unordered, " << c.overtaken()
               << " unordered overtaken)");
  CHECK(from.write_error() == "");
  CHECK(to.read_error() == "");
  {
    std::string all;
    for (const auto& f : c.failures()) all += "\n  " + f;
    INFO("receiver's findings:" << all);
    CHECK(c.failure_count() == 0);
  }
  CHECK(c.received() == from.Sent());
  CHECK(c.unique() == from.Sent());
  std::uint32_t missing = 0;
  std::uint32_t first_missing = 0;
  for (std::uint32_t s = 0; s < from.Sent(); ++s) {
    if (s >= c.seen().size() || !c.seen()[s]) {
      if (missing == 0) first_missing = s;
      ++missing;
    }
  }
  INFO("first missing: " << first_missing);
  CHECK(missing == 0);
  CHECK(c.ordered_received() == from.ordered_sent());
}

}  // namespace fault
