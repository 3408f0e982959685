// netsctp/info.h: what travels with each message: SndInfo on the way out,
// RcvInfo and the receive flags on the way in.
//
// PPIDs are in host byte order in both structures: the library converts to
// and from the network order the kernel uses. Mirrors go-sctp's SndInfo and
// RcvInfo (Sid, Ssn, Flags, Ppid, Tsn, Cumtsn, Context, AssocId).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace netsctp {

// Flags of SndInfo::flags (the kernel's sinfo flags). Combine with |.
enum class SndFlags : std::uint16_t {
  kNone = 0,
  kUnordered = 1 << 0,        // deliver without regard to stream order
  kAddrOver = 1 << 1,         // send to the given address, not the primary (set by WriteMsgExt)
  kAbort = 1 << 2,            // rejected on one-to-one sockets (EINVAL); use SetLinger(0) + Close
  kSackImmediately = 1 << 3,  // ask the peer to SACK at once
  kSendAll = 1 << 6,          // no effect on one-to-one sockets
  kEof = 0x200,               // rejected on one-to-one sockets (EINVAL); use CloseWrite
};
constexpr SndFlags operator|(SndFlags a, SndFlags b) noexcept {
  return static_cast<SndFlags>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
constexpr SndFlags operator&(SndFlags a, SndFlags b) noexcept {
  return static_cast<SndFlags>(static_cast<std::uint16_t>(a) & static_cast<std::uint16_t>(b));
}
constexpr bool Any(SndFlags f) noexcept { return static_cast<std::uint16_t>(f) != 0; }

// ---- partial reliability (PR-SCTP, RFC 3758 and 7496)

// How long the stack keeps trying to deliver a message (sctp_prinfo.pr_policy).
enum class PrPolicy : std::uint16_t {
  kReliable = 0,    // retransmitted until acknowledged (SCTP_PR_SCTP_NONE)
  kTtl = 0x10,      // abandoned once `value` ms have passed since the send call
  kRtx = 0x20,      // abandoned after `value` retransmissions (0: sent once)
  kPrio = 0x30,     // when the send buffer is full, queued messages whose `value`
                    // is higher (lower priority) are abandoned to make room
};

// A partial-reliability policy and its value (SCTP_PRINFO, SCTP_DEFAULT_PRINFO).
struct PrInfo {
  PrPolicy policy = PrPolicy::kReliable;
  std::uint32_t value = 0;  // ms (kTtl), retransmissions (kRtx), priority (kPrio: 0 is highest)

  static constexpr PrInfo Reliable() noexcept { return {}; }
  static constexpr PrInfo Ttl(std::chrono::milliseconds lifetime) noexcept {
    return {PrPolicy::kTtl, static_cast<std::uint32_t>(lifetime.count())};
  }
  static constexpr PrInfo Rtx(std::uint32_t retransmissions) noexcept { return {PrPolicy::kRtx, retransmissions}; }
  static constexpr PrInfo Prio(std::uint32_t priority) noexcept { return {PrPolicy::kPrio, priority}; }
  friend bool operator==(const PrInfo&, const PrInfo&) = default;
};

// How to send one message (struct sctp_sndinfo).
struct SndInfo {
  std::uint16_t sid = 0;           // stream; must be below the negotiated outbound count
  SndFlags flags = SndFlags::kNone;
  std::uint32_t ppid = 0;          // payload protocol identifier, host order (NGAP = 60)
  std::uint32_t context = 0;       // returned in send-failed events, never sent
  std::int32_t assoc_id = 0;       // ignored on one-to-one sockets
  // Partial reliability of this message (SCTP_PRINFO beside SCTP_SNDINFO,
  // same system call); nullopt: the stream's policy (SctpConn::SetStreamPolicy)
  // or the association's default (AssocOptions::SetDefaultPrInfo). Linux 6.1
  // takes only the default's value when a SndInfo comes without pr: a TTL
  // default still expires such messages but GetPrCounters does not count
  // them. Set pr (or a stream policy) where the policy or counting matters.
  std::optional<PrInfo> pr{};

  friend bool operator==(const SndInfo&, const SndInfo&) = default;
};

// Flags of RcvInfo::flags.
enum class RcvInfoFlags : std::uint16_t {
  kNone = 0,
  kUnordered = 1 << 0,  // the message was sent unordered
};

// What the kernel reported about one received message (struct sctp_rcvinfo).
struct RcvInfo {
  std::uint16_t sid = 0;
  std::uint16_t ssn = 0;      // same for every piece of one message
  std::uint16_t flags = 0;    // RcvInfoFlags bits
  std::uint32_t ppid = 0;     // host order
  std::uint32_t tsn = 0;
  std::uint32_t cumtsn = 0;
  std::uint32_t context = 0;  // the SCTP_CONTEXT socket option's value
  std::int32_t assoc_id = 0;

  bool Unordered() const noexcept { return (flags & static_cast<std::uint16_t>(RcvInfoFlags::kUnordered)) != 0; }
  friend bool operator==(const RcvInfo&, const RcvInfo&) = default;
};

// Bits of the receive flags returned by ReadMsg (the msghdr flags).
enum class RecvFlags : int {
  kNone = 0,
  kCtrunc = 0x8,             // MSG_CTRUNC: ancillary data did not fit
  kEor = 0x80,               // MSG_EOR: this read ends the message
  kNotification = 0x8000,    // MSG_NOTIFICATION: the bytes are an event, not data
};
constexpr bool Has(int flags, RecvFlags f) noexcept { return (flags & static_cast<int>(f)) != 0; }

}  // namespace netsctp
