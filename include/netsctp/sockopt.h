// netsctp/sockopt.h: SCTP tuning values and generic socket-option access.
//
// The typed structs here are netsctp's own (no kernel header needed by
// callers); SctpConn and SctpListener convert them to the kernel's
// sctp_initmsg, sctp_rtoinfo, sctp_assocparams, sctp_paddrparams,
// sctp_paddrinfo and sctp_status. For anything not wrapped, GetOption and
// SetOption reach any option with the caller's own struct.
// Thread safety: value types.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "netsctp/addr.h"
#include "netsctp/info.h"
#include "netsctp/result.h"

namespace netsctp {

// Parameters of new associations (SCTP_INITMSG and socket set-up), as in
// go-sctp's InitOptions. Zero for max_attempts/max_init_timeout keeps the
// kernel's defaults (net.sctp.max_init_retransmits, net.sctp.rto_max).
struct InitOptions {
  std::uint16_t num_ostreams = 10;       // streams we want to send on
  std::uint16_t max_instreams = 10;      // streams we accept from the peer
  std::uint16_t max_attempts = 0;        // INIT retransmissions before giving up
  std::uint16_t max_init_timeout = 0;    // largest INIT retransmission timeout, ms
  int socket_read_buffer_size = 512 * 1024;   // 0 keeps the kernel default
  int socket_write_buffer_size = 512 * 1024;  // 0 keeps the kernel default
  bool adaptation_indication_enabled = false;
  std::uint32_t adaptation_indication = 0;    // sent in INIT/INIT-ACK when enabled
};

// Retransmission timeout bounds (SCTP_RTOINFO), milliseconds. On set, a zero
// field keeps the current value.
struct RtoInfo {
  std::uint32_t initial = 0;
  std::uint32_t min = 0;
  std::uint32_t max = 0;
  friend bool operator==(const RtoInfo&, const RtoInfo&) = default;
};

// Association parameters (SCTP_ASSOCINFO). On set, zero keeps the current
// value; peer_destinations and the rwnd fields are read-only.
struct AssocParams {
  std::uint16_t max_retrans = 0;        // association max retransmissions
  std::uint16_t peer_destinations = 0;  // read-only: number of peer addresses
  std::uint32_t peer_rwnd = 0;          // read-only
  std::uint32_t local_rwnd = 0;         // read-only
  std::uint32_t cookie_life = 0;        // ms
};

// Per-path parameters (SCTP_PEER_ADDR_PARAMS) for one peer address or, when
// no address is given, for every path of the association.
struct PathParams {
  // Heartbeat interval in ms; nullopt leaves it, 0 with heartbeat_enabled
  // false turns heartbeats off.
  std::optional<std::uint32_t> heartbeat_interval;
  std::optional<bool> heartbeat_enabled;
  std::optional<std::uint16_t> path_max_retrans;
  std::optional<std::uint32_t> path_mtu;    // fixed PMTU (disables PMTU discovery)
  std::optional<std::uint32_t> sack_delay;  // ms (enables delayed SACK)
};

// What the kernel reports of one path (SCTP_PARAMS read back).
struct PathParamsInfo {
  std::uint32_t heartbeat_interval = 0;
  bool heartbeat_enabled = false;
  std::uint16_t path_max_retrans = 0;
  std::uint32_t path_mtu = 0;
  std::uint32_t sack_delay = 0;
  std::uint32_t flags = 0;  // raw spp_flags
};

// Reachability of a peer address (sctp_paddrinfo.spinfo_state).
enum class PathState : std::int32_t {
  kInactive = 0,
  kPotentiallyFailed = 1,
  kActive = 2,
  kUnconfirmed = 3,
  kUnknown = 0xffff,
};

// One path of an association (SCTP_GET_PEER_ADDR_INFO), as go-sctp's PeerAddrInfo.
struct PeerAddrInfo {
  std::int32_t assoc_id = 0;
  IpAddr addr;
  std::uint16_t port = 0;
  PathState state = PathState::kUnknown;
  std::uint32_t cwnd = 0;
  std::uint32_t srtt = 0;  // ms
  std::uint32_t rto = 0;   // ms
  std::uint32_t mtu = 0;
};

// Association state (sctp_status.sstat_state).
enum class AssocState : std::int32_t {
  kEmpty = 0,
  kClosed = 1,
  kCookieWait = 2,
  kCookieEchoed = 3,
  kEstablished = 4,
  kShutdownPending = 5,
  kShutdownSent = 6,
  kShutdownReceived = 7,
  kShutdownAckSent = 8,
};

// ---- delivery control (partial reliability, RFC 3758 and 7496)

// Messages abandoned under a policy (SCTP_PR_ASSOC_STATUS, SCTP_PR_STREAM_STATUS).
// Linux counts in "sent" also messages that in fact reached the peer before
// the stack gave up on their acknowledgement.
struct PrCounters {
  std::uint64_t abandoned_unsent = 0;  // dropped before their first transmission
  std::uint64_t abandoned_sent = 0;    // dropped after one or more transmissions
};

// How the sender picks the next stream to send from (SCTP_STREAM_SCHEDULER).
// Linux 6.1 offers kFcfs, kPrio and kRoundRobin; later kernels add the others.
enum class Scheduler : std::uint32_t {
  kFcfs = 0,            // first come, first served (the default)
  kPrio = 1,            // lowest stream value first; equal values round robin
  kRoundRobin = 2,      // one message per stream in turn
  kFairCapacity = 3,    // RFC 8260 fair capacity (newer kernels)
  kWeightedFair = 4,    // RFC 8260 weighted fair queueing, by stream value (newer kernels)
};
std::string_view Name(Scheduler s) noexcept;

// Which streams a reset request covers (SCTP_RESET_STREAMS).
enum class StreamDir : std::uint16_t {
  kIncoming = 1,  // ask the peer to reset its outgoing side of them
  kOutgoing = 2,
  kBoth = 3,
};

// The reconfiguration requests an association accepts from the peer
// (SCTP_ENABLE_STREAM_RESET); combine with |.
enum class ResetRequests : std::uint32_t {
  kNone = 0,
  kStreams = 0x01,     // stream resets
  kAssoc = 0x02,       // association (TSN) resets
  kAddStreams = 0x04,  // adding streams
  kAll = 0x07,
};
constexpr ResetRequests operator|(ResetRequests a, ResetRequests b) noexcept {
  return static_cast<ResetRequests>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}

// Association statistics (SCTP_GET_ASSOC_STATS); counts since the association
// started, except max_rto and its path, which cover the time since the
// previous read (Linux resets them on every read).
struct AssocStats {
  std::chrono::milliseconds max_rto{0};  // 0: no RTO change since the last read
  IpAddr max_rto_addr;                   // the path that had it
  std::uint16_t max_rto_port = 0;
  std::uint64_t sacks_in = 0;
  std::uint64_t sacks_out = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t retransmitted_chunks = 0;
  // DATA dropped for a TSN too far ahead to be tracked (Linux counts only
  // those, not every TSN that arrives after a gap: see gap_acks_in).
  std::uint64_t out_of_sequence_tsns = 0;
  std::uint64_t duplicate_chunks_in = 0;
  std::uint64_t gap_acks_in = 0;
  std::uint64_t unordered_chunks_out = 0;
  std::uint64_t unordered_chunks_in = 0;
  std::uint64_t ordered_chunks_out = 0;
  std::uint64_t ordered_chunks_in = 0;
  std::uint64_t control_chunks_out = 0;
  std::uint64_t control_chunks_in = 0;
};

// Path failure thresholds (SCTP_PEER_ADDR_THLDS_V2). On set, zero keeps the
// current value of path_max_retrans; the other two are always written. A path
// becomes potentially failed once its errors exceed pf_threshold (Linux's
// default 0: at the first error, while net.sctp.pf_enable=1); a pf_threshold
// at or above path_max_retrans turns that state off. Linux refuses (EINVAL) a
// ps_threshold below pf_threshold, hence the default 0xffff (switchover off,
// as Linux's own default).
struct PathThresholds {
  std::uint16_t path_max_retrans = 0;  // errors before a path is inactive
  std::uint16_t pf_threshold = 0;      // errors before it is potentially failed
  std::uint16_t ps_threshold = 0xffff;  // primary path switchover threshold (0xffff: off)
  friend bool operator==(const PathThresholds&, const PathThresholds&) = default;
};

// SCTP_STATUS, as go-sctp's Status.
struct Status {
  std::int32_t assoc_id = 0;
  AssocState state = AssocState::kEmpty;
  std::uint32_t rwnd = 0;
  std::uint16_t unack_data = 0;
  std::uint16_t pending_data = 0;
  std::uint16_t in_streams = 0;   // negotiated: streams the peer may send on
  std::uint16_t out_streams = 0;  // negotiated: streams we may send on
  std::uint32_t fragmentation_point = 0;
  PeerAddrInfo primary;

  // The state, read naturally.
  bool Established() const noexcept { return state == AssocState::kEstablished; }
  bool Handshaking() const noexcept { return state == AssocState::kCookieWait || state == AssocState::kCookieEchoed; }
  bool Closing() const noexcept {
    return state >= AssocState::kShutdownPending && state <= AssocState::kShutdownAckSent;
  }
  bool Closed() const noexcept { return state == AssocState::kClosed || state == AssocState::kEmpty; }
};

// Reads a socket option into a T; fails with Errc::kTruncated when the
// kernel returns a different size than sizeof(T) would hold exactly, unless
// `allow_shorter` (for options whose size changed across kernels).
template <typename T>
Result<T> GetOption(int fd, int level, int name, T value = T{}, bool allow_shorter = false) {
  socklen_t len = sizeof(T);
  if (::getsockopt(fd, level, name, &value, &len) != 0) return SystemError(errno, "getsockopt");
  if (len != sizeof(T) && !(allow_shorter && len < sizeof(T))) return Errc::kTruncated;
  return value;
}

// Sets a socket option from a T.
template <typename T>
Result<void> SetOption(int fd, int level, int name, const T& value) {
  if (::setsockopt(fd, level, name, &value, sizeof(T)) != 0) return SystemError(errno, "setsockopt");
  return {};
}

}  // namespace netsctp
