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

#include <cstdint>
#include <initializer_list>
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

 private:
  int fd_ = -1;
  std::int32_t assoc_id_ = 0;
  std::uint16_t peer_port_ = 0;
};

}  // namespace netsctp
