// netsctp/assoc.h: AssocOptions, the options of one association.
//
// The single implementation of every per-association option (status,
// subscriptions, RTO, association and path parameters, primary path, peer
// address info, default send info, context). It is a view: a socket
// descriptor plus an association id. SctpConn::Options() gives the view of
// its own association (id 0, which one-to-one sockets ignore);
// SctpEndpoint::Assoc(id) gives that of any association of a one-to-many
// socket, and SctpEndpoint::Defaults() that of the associations the endpoint
// will make later. SctpConn's option calls are this class's calls.
//
// The view does not own the descriptor: use it while its SctpConn or
// SctpEndpoint is open (afterwards calls fail with EBADF, or reach whatever
// descriptor now has that number). Once its association has ended, calls fail
// with EINVAL (Linux's answer for an association id it does not know).
//
// Thread safety: a value; calls are single getsockopt/setsockopt system calls
// and may run on several threads at once (each option as the kernel orders them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "netsctp/addr.h"
#include "netsctp/event.h"
#include "netsctp/info.h"
#include "netsctp/result.h"
#include "netsctp/sockopt.h"

namespace netsctp {

class AssocOptions {
 public:
  AssocOptions() noexcept = default;  // empty: every call fails with bad_file_descriptor
  // `fd` an SCTP socket, `assoc_id` one of its associations (0: the only one
  // of a one-to-one socket, or the future associations of a one-to-many
  // socket), `peer_port` the peer's port (paths are named by address and port).
  AssocOptions(int fd, std::int32_t assoc_id, std::uint16_t peer_port) noexcept
      : fd_(fd), assoc_id_(assoc_id), peer_port_(peer_port) {}

  int fd() const noexcept { return fd_; }
  std::int32_t AssocId() const noexcept { return assoc_id_; }

  // SCTP_STATUS: state, negotiated streams, primary path.
  Result<netsctp::Status> Status() const;
  // The peer's addresses as the kernel now reports them (SCTP_GET_PEER_ADDRS).
  Result<SctpAddr> PeerAddrs() const;

  // SCTP_EVENT for this association only (on a one-to-many socket, others
  // keep theirs).
  Result<void> Subscribe(std::initializer_list<EventType> events) const;
  Result<void> Subscribe(std::span<const EventType> events) const;
  Result<void> Unsubscribe(std::initializer_list<EventType> events) const;
  Result<void> Unsubscribe(std::span<const EventType> events) const;

  Result<RtoInfo> GetRtoInfo() const;
  Result<void> SetRtoInfo(const RtoInfo& rto) const;
  Result<AssocParams> GetAssocParams() const;
  // Errors: EINVAL, with a message giving the numbers, for a max_retrans
  // above the sum of the path limits on a multi-homed association (Linux
  // refuses a limit the association could never reach).
  Result<void> SetAssocParams(const AssocParams& params) const;
  // For one peer address, or every path when `peer` is null.
  Result<PathParamsInfo> GetPathParams(const IpAddr* peer = nullptr) const;
  Result<void> SetPathParams(const PathParams& params, const IpAddr* peer = nullptr) const;
  Result<IpAddr> GetPrimaryAddr() const;
  Result<void> SetPrimaryAddr(const IpAddr& peer) const;
  // Info for one path; Errors: EINVAL when `peer` is not an address of the peer.
  Result<PeerAddrInfo> GetPeerAddrInfo(const IpAddr& peer) const;
  // Info for every path of the association.
  Result<std::vector<PeerAddrInfo>> GetPeerAddrInfos() const;
  // Send parameters used when a write gets no SndInfo (SCTP_DEFAULT_SNDINFO);
  // the assoc_id of `info` is ignored (this view's is used).
  Result<SndInfo> GetDefaultSndInfo() const;
  Result<void> SetDefaultSndInfo(const SndInfo& info) const;
  // SCTP_CONTEXT: the context reported in RcvInfo and send-failed events.
  Result<void> SetContext(std::uint32_t context) const;
  Result<std::uint32_t> GetContext() const;

  // ---- partial reliability (per message: SndInfo::pr)
  // SCTP_PR_SUPPORTED: whether PR-SCTP is offered in INIT (before the
  // association starts: on a socket not yet connected, or Defaults()) and,
  // read on an association, whether both ends agreed to it.
  Result<void> SetPrSupported(bool on) const;
  Result<bool> PrSupported() const;
  // The policy of messages sent without one (SCTP_DEFAULT_PRINFO).
  Result<void> SetDefaultPrInfo(const PrInfo& pr) const;
  Result<PrInfo> GetDefaultPrInfo() const;
  // Messages abandoned under `policy` (nullopt: all policies together), for
  // the association or for one outgoing stream.
  Result<PrCounters> GetPrCounters(std::optional<PrPolicy> policy = std::nullopt) const;
  Result<PrCounters> GetStreamPrCounters(std::uint16_t sid, std::optional<PrPolicy> policy = std::nullopt) const;
  // The largest message that leaves in one DATA chunk (no fragmentation) on
  // the current path: the association's fragmentation point, which follows
  // the path MTU (and SCTP_MAXSEG). Send datagrams no larger than this.
  Result<std::size_t> MaxDatagramSize() const;

  // ---- stream reconfiguration (RFC 6525)
  // SCTP_RECONFIG_SUPPORTED: offer RE-CONFIG in INIT (before the association
  // starts; net.sctp.reconf_enable=1 does it for every socket); read on an
  // association: whether both ends agreed.
  Result<void> SetReconfigSupported(bool on) const;
  Result<bool> ReconfigSupported() const;
  // Which requests this end sends and accepts (SCTP_ENABLE_STREAM_RESET).
  Result<void> SetStreamResetEnabled(ResetRequests requests) const;
  Result<ResetRequests> StreamResetEnabled() const;
  // Resets `streams` (all when empty) in direction `dir`: their sequence
  // numbers start again at 0. The outcome arrives as a STREAM_RESET event
  // (flags: incoming/outgoing, denied, failed) naming the same streams.
  // Errors: ENOPROTOOPT when reconfiguration was not agreed or not enabled
  // (message names the option), EINPROGRESS while a request is pending, EINVAL
  // for a stream beyond the association's count.
  Result<void> ResetStreams(StreamDir dir, std::span<const std::uint16_t> streams = {}) const;
  // Resets the association's TSNs (and every stream); ASSOC_RESET event follows.
  Result<void> ResetAssoc() const;
  // Adds outgoing and/or incoming streams; STREAM_CHANGE event follows with the counts added.
  Result<void> AddStreams(std::uint16_t outgoing, std::uint16_t incoming) const;

  // ---- scheduling and interleaving
  // The stream scheduler (SCTP_STREAM_SCHEDULER). Errors: EINVAL with a
  // message naming the scheduler when this kernel does not offer it.
  Result<void> SetScheduler(Scheduler s) const;
  Result<Scheduler> GetScheduler() const;
  // A stream's priority (kPrio: lower first) or weight (kWeightedFair)
  // (SCTP_STREAM_SCHEDULER_VALUE). Linux reads it back only under kPrio.
  Result<void> SetStreamSchedulerValue(std::uint16_t sid, std::uint16_t value) const;
  Result<std::uint16_t> GetStreamSchedulerValue(std::uint16_t sid) const;
  // User message interleaving (I-DATA, RFC 8260): SCTP_FRAGMENT_INTERLEAVE 2
  // then SCTP_INTERLEAVING_SUPPORTED, before the association starts, on both
  // ends; needs net.sctp.intl_enable=1 (Errors: EPERM with a message saying so).
  // With it, and a kRoundRobin or kPrio scheduler, a small message on one
  // stream no longer waits behind a large one on another.
  Result<void> SetInterleaving(bool on) const;
  Result<bool> Interleaving() const;

  // ---- statistics
  Result<AssocStats> Stats() const;

  // ---- path and security options
  // SCTP_MAXSEG: largest DATA chunk payload (0: from the path MTU).
  Result<void> SetMaxSeg(std::uint32_t bytes) const;
  Result<std::uint32_t> GetMaxSeg() const;
  // Path failure thresholds, for one peer address or every path.
  Result<void> SetPathThresholds(const PathThresholds& t, const IpAddr* peer = nullptr) const;
  Result<PathThresholds> GetPathThresholds(const IpAddr* peer = nullptr) const;
  // SCTP AUTH (RFC 4895): shared keys by number, the active key, and the
  // chunk types that must be authenticated (before the association starts).
  // Needs SCTP_AUTH_SUPPORTED (SetAuthSupported) or net.sctp.auth_enable=1:
  // otherwise EACCES, with a message saying so. Keys hold at most 256 bytes
  // (EINVAL beyond). A peer whose key of the same number differs drops the
  // authenticated chunks silently: nothing is delivered and nothing is
  // reported; the sender retransmits while the association stays up.
  Result<void> SetAuthSupported(bool on) const;
  Result<bool> AuthSupported() const;
  Result<void> AddAuthKey(std::uint16_t key_id, std::span<const std::byte> secret) const;
  Result<void> ActivateAuthKey(std::uint16_t key_id) const;
  Result<std::uint16_t> ActiveAuthKey() const;
  Result<void> DeactivateAuthKey(std::uint16_t key_id) const;
  Result<void> DeleteAuthKey(std::uint16_t key_id) const;
  Result<void> AddAuthChunk(std::uint8_t chunk_type) const;
  // SCTP over UDP (RFC 6951): the peer's UDP port (0: off), for one peer
  // address or every path; needs net.sctp.udp_port set on both hosts.
  Result<void> SetUdpEncapsPort(std::uint16_t port, const IpAddr* peer = nullptr) const;
  Result<std::uint16_t> GetUdpEncapsPort(const IpAddr* peer = nullptr) const;

 private:
  int fd_ = -1;
  std::int32_t assoc_id_ = 0;
  std::uint16_t peer_port_ = 0;
};

}  // namespace netsctp
