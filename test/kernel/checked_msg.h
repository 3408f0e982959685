// Checked messages for the kernel tests that exchange many small messages
// between two ends (fault_peer_test.cc, fault_scale_test.cc,
// fault_threads_test.cc). Simpler than fault_helpers.h's planned flows: the
// stream and PPID follow from the sequence number alone, every stream is
// ordered, and the caller picks each message's size.
//
// Each message carries its sender's tag, its sequence number, the stream and
// PPID it is sent with, its size and a checksum, so the receiver detects a
// lost, repeated, reordered (within its stream), misdelivered or corrupted
// message, and a stream or PPID that changed on the way. Message `seq` goes
// on stream seq % streams: stream s carries s, s + streams, s + 2 streams...
//
// Nothing here asserts: InOrder::Take returns what is wrong, so a child
// process or a worker thread can use it as well as the test thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "netsctp/conn.h"
#include "netsctp/info.h"

namespace checked {

inline constexpr std::size_t kHeaderSize = 24;

inline void Put32(std::byte* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }
inline std::uint32_t Get32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint32_t Fnv1a(std::span<const std::byte> b, std::uint32_t h = 2166136261u) {
  for (std::byte x : b) h = (h ^ static_cast<std::uint32_t>(x)) * 16777619u;
  return h;
}
inline std::uint16_t SidOf(std::uint32_t seq, std::uint16_t streams) {
  return static_cast<std::uint16_t>(seq % streams);
}
inline std::uint32_t PpidOf(std::uint32_t tag, std::uint32_t seq) { return tag * 1000003u + seq; }
inline netsctp::SndInfo InfoOf(std::uint32_t tag, std::uint32_t seq, std::uint16_t streams) {
  netsctp::SndInfo i;
  i.sid = SidOf(seq, streams);
  i.ppid = PpidOf(tag, seq);
  return i;
}
// The checksum over everything but the checksum field itself (bytes 20..23).
inline std::uint32_t SumOf(std::span<const std::byte> m) {
  return Fnv1a(m.subspan(kHeaderSize), Fnv1a(m.first(20)));
}

// Message `seq` of sender `tag`, `size` bytes (at least kHeaderSize).
inline void MakeMsg(std::vector<std::byte>& out, std::uint32_t tag, std::uint32_t seq, std::uint16_t streams,
                    std::size_t size) {
  out.resize(size);
  Put32(&out[0], tag);
  Put32(&out[4], seq);
  Put32(&out[8], PpidOf(tag, seq));
  Put32(&out[12], SidOf(seq, streams));
  Put32(&out[16], static_cast<std::uint32_t>(size));
  for (std::size_t i = kHeaderSize; i < size; ++i) out[i] = static_cast<std::byte>((seq * 131u + i * 7u + tag) & 0xffu);
  Put32(&out[20], SumOf(out));
}
// Sizes spread over base .. base + spread - 1 (base at least kHeaderSize).
inline std::size_t SizeOf(std::uint32_t seq, std::size_t base, std::size_t spread) {
  return base + static_cast<std::size_t>((seq * 2654435761u) >> 12) % spread;
}

// The receiving side of one sender's messages.
class InOrder {
 public:
  InOrder(std::uint32_t tag, std::uint16_t streams) : tag_(tag), next_(streams) {
    for (std::uint16_t s = 0; s < streams; ++s) next_[s] = s;
  }

  // "" when `b`, read as `m`, is a whole intact message of this sender, on
  // the stream and with the PPID it was sent with, and the next one expected
  // on its stream; otherwise what is wrong.
  std::string Take(std::span<const std::byte> b, const netsctp::Message& m) {
    if (m.Notification()) return "a notification where data was expected";
    if (!m.Eor()) return "a piece of " + std::to_string(b.size()) + " bytes without EOR";
    if (!m.has_info) return "data without RcvInfo";
    if (b.size() < kHeaderSize) return "a message of " + std::to_string(b.size()) + " bytes";
    const std::uint32_t tag = Get32(&b[0]);
    const std::uint32_t seq = Get32(&b[4]);
    const std::uint32_t ppid = Get32(&b[8]);
    const std::uint32_t sid = Get32(&b[12]);
    const std::string what = "message " + std::to_string(tag) + '/' + std::to_string(seq);
    if (Get32(&b[16]) != b.size() || Get32(&b[20]) != SumOf(b)) return what + ": size or checksum wrong";
    if (tag != tag_) return what + " reached the reader of sender " + std::to_string(tag_);
    const auto streams = static_cast<std::uint16_t>(next_.size());
    if (sid != SidOf(seq, streams) || ppid != PpidOf(tag, seq)) return what + ": header corrupted";
    if (m.info.sid != sid) return what + " sent on stream " + std::to_string(sid) + " arrived on " + std::to_string(m.info.sid);
    if (m.info.ppid != ppid) return what + ": PPID " + std::to_string(m.info.ppid) + ", sent " + std::to_string(ppid);
    if (seq != next_[sid]) {
      return what + " on stream " + std::to_string(sid) + " where " + std::to_string(next_[sid]) + " was expected";
    }
    next_[sid] += streams;
    ++count_;
    return {};
  }

  std::uint32_t count() const noexcept { return count_; }

  // True when exactly messages 0..n-1 arrived, each once (Take refuses a
  // repeat or a gap within a stream).
  bool Complete(std::uint32_t n) const {
    const auto streams = static_cast<std::uint32_t>(next_.size());
    for (std::uint32_t s = 0; s < streams; ++s) {
      const std::uint32_t want = s >= n ? s : s + streams * ((n - s + streams - 1) / streams);
      if (next_[s] != want) return false;
    }
    return count_ == n;
  }

 private:
  std::uint32_t tag_;
  std::vector<std::uint32_t> next_;  // the next seq expected on each stream
  std::uint32_t count_ = 0;
};

}  // namespace checked
