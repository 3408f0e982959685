// AssocOptions: every per-association option, for any socket style.
#include "netsctp/assoc.h"

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "internal/assoc_opt.h"
#include "internal/cmsg.h"
#include "internal/sockaddr.h"
#include "internal/socket.h"

namespace netsctp {

using internal::GetAssocValue;
using internal::PutPeer;
using internal::SetAssocValue;

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;

PeerAddrInfo FromKernel(const sctp_paddrinfo& k) {
  PeerAddrInfo p;
  p.assoc_id = k.spinfo_assoc_id;
  sockaddr_storage ss;
  std::memcpy(&ss, &k.spinfo_address, sizeof ss);
  if (auto a = internal::ParseSockaddr(std::as_bytes(std::span(&ss, 1)))) {
    p.addr = a->ip;
    p.port = a->port;
  }
  p.state = static_cast<PathState>(k.spinfo_state);
  p.cwnd = k.spinfo_cwnd;
  p.srtt = k.spinfo_srtt;
  p.rto = k.spinfo_rto;
  p.mtu = k.spinfo_mtu;
  return p;
}

}  // namespace

Result<netsctp::Status> AssocOptions::Status() const {
  sctp_status q{};
  q.sstat_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_STATUS, q);
  if (!k) return k.error();
  netsctp::Status s;
  s.assoc_id = k->sstat_assoc_id;
  s.state = static_cast<AssocState>(k->sstat_state);
  s.rwnd = k->sstat_rwnd;
  s.unack_data = k->sstat_unackdata;
  s.pending_data = k->sstat_penddata;
  s.in_streams = k->sstat_instrms;
  s.out_streams = k->sstat_outstrms;
  s.fragmentation_point = k->sstat_fragmentation_point;
  sctp_paddrinfo primary;
  std::memcpy(&primary, &k->sstat_primary, sizeof primary);
  s.primary = FromKernel(primary);
  return s;
}

Result<SctpAddr> AssocOptions::PeerAddrs() const {
  if (fd_ < 0) return kBadFd;
  return internal::PeerAddrs(fd_, assoc_id_);
}

Result<void> AssocOptions::Subscribe(std::initializer_list<EventType> events) const {
  return Subscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> AssocOptions::Subscribe(std::span<const EventType> events) const {
  if (fd_ < 0) return kBadFd;
  return internal::SetEvents(fd_, events, true, assoc_id_);
}
Result<void> AssocOptions::Unsubscribe(std::initializer_list<EventType> events) const {
  return Unsubscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> AssocOptions::Unsubscribe(std::span<const EventType> events) const {
  if (fd_ < 0) return kBadFd;
  return internal::SetEvents(fd_, events, false, assoc_id_);
}

Result<RtoInfo> AssocOptions::GetRtoInfo() const {
  sctp_rtoinfo q{};
  q.srto_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_RTOINFO, q);
  if (!k) return k.error();
  return RtoInfo{k->srto_initial, k->srto_min, k->srto_max};
}
Result<void> AssocOptions::SetRtoInfo(const RtoInfo& rto) const {
  sctp_rtoinfo k{};
  k.srto_assoc_id = assoc_id_;
  k.srto_initial = rto.initial;
  k.srto_min = rto.min;
  k.srto_max = rto.max;
  return internal::SetOpt(fd_, SCTP_RTOINFO, k, "setsockopt SCTP_RTOINFO");
}

Result<AssocParams> AssocOptions::GetAssocParams() const {
  sctp_assocparams q{};
  q.sasoc_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_ASSOCINFO, q);
  if (!k) return k.error();
  return AssocParams{k->sasoc_asocmaxrxt, k->sasoc_number_peer_destinations, k->sasoc_peer_rwnd,
                     k->sasoc_local_rwnd, k->sasoc_cookie_life};
}
Result<void> AssocOptions::SetAssocParams(const AssocParams& p) const {
  sctp_assocparams k{};
  k.sasoc_assoc_id = assoc_id_;
  k.sasoc_asocmaxrxt = p.max_retrans;
  k.sasoc_cookie_life = p.cookie_life;
  auto r = internal::SetOpt(fd_, SCTP_ASSOCINFO, k, "setsockopt SCTP_ASSOCINFO");
  if (r || r.error() != std::errc::invalid_argument || p.max_retrans == 0) return r;
  // Linux refuses, on a multi-homed association, an association limit above
  // the sum of the path limits (it could never be reached): say so.
  auto peers = PeerAddrs();
  if (!peers || peers->ip_addrs.size() < 2) return r;
  unsigned sum = 0;
  for (const IpAddr& ip : peers->ip_addrs) {
    auto pp = GetPathParams(&ip);
    if (!pp) return r;
    sum += pp->path_max_retrans;
  }
  if (p.max_retrans <= sum) return r;
  return Error(r.error().code(), "setsockopt SCTP_ASSOCINFO: association max_retrans " +
                                     std::to_string(p.max_retrans) + " exceeds the sum of the path max_retrans (" +
                                     std::to_string(sum) + " over " + std::to_string(peers->ip_addrs.size()) +
                                     " paths); raise the path limits first");
}

Result<PathParamsInfo> AssocOptions::GetPathParams(const IpAddr* peer) const {
  sctp_paddrparams k;
  std::memset(&k, 0, sizeof k);
  k.spp_assoc_id = assoc_id_;
  if (peer != nullptr) PutPeer(*peer, peer_port_, &k.spp_address);
  auto r = internal::GetOpt(fd_, SCTP_PEER_ADDR_PARAMS, k);
  if (!r) return r.error().WithContext(peer != nullptr ? "path " + peer->String() : "paths");
  PathParamsInfo info;
  info.heartbeat_interval = r->spp_hbinterval;
  info.heartbeat_enabled = (r->spp_flags & SPP_HB_ENABLE) != 0;
  info.path_max_retrans = r->spp_pathmaxrxt;
  info.path_mtu = r->spp_pathmtu;
  info.sack_delay = r->spp_sackdelay;
  info.flags = r->spp_flags;
  return info;
}

Result<void> AssocOptions::SetPathParams(const PathParams& p, const IpAddr* peer) const {
  sctp_paddrparams k;
  std::memset(&k, 0, sizeof k);
  k.spp_assoc_id = assoc_id_;
  if (peer != nullptr) PutPeer(*peer, peer_port_, &k.spp_address);
  int flags = 0;
  if (p.heartbeat_interval) {
    k.spp_hbinterval = *p.heartbeat_interval;
    if (*p.heartbeat_interval == 0) flags |= SPP_HB_TIME_IS_ZERO;
  }
  // The kernel takes the interval only together with SPP_HB_ENABLE; an
  // interval alone must not switch heartbeats on, so it is applied with
  // ENABLE and, when they were off, switched off again below.
  bool restore_off = false;
  if (p.heartbeat_enabled) {
    flags |= *p.heartbeat_enabled ? SPP_HB_ENABLE : SPP_HB_DISABLE;
  } else if (p.heartbeat_interval) {
    auto now = GetPathParams(peer);
    if (!now) return now.error();
    flags |= SPP_HB_ENABLE;
    restore_off = !now->heartbeat_enabled;
  }
  if (p.path_max_retrans) k.spp_pathmaxrxt = *p.path_max_retrans;
  if (p.path_mtu) {
    k.spp_pathmtu = *p.path_mtu;
    flags |= SPP_PMTUD_DISABLE;
  }
  if (p.sack_delay) {
    k.spp_sackdelay = *p.sack_delay;
    flags |= SPP_SACKDELAY_ENABLE;
  }
  k.spp_flags = static_cast<std::uint32_t>(flags);
  auto r = internal::SetOpt(fd_, SCTP_PEER_ADDR_PARAMS, k, "setsockopt SCTP_PEER_ADDR_PARAMS");
  if (r && restore_off) {
    sctp_paddrparams off = k;
    off.spp_flags = SPP_HB_DISABLE;
    off.spp_hbinterval = 0;
    off.spp_pathmaxrxt = 0;
    off.spp_pathmtu = 0;
    off.spp_sackdelay = 0;
    r = internal::SetOpt(fd_, SCTP_PEER_ADDR_PARAMS, off, "setsockopt SCTP_PEER_ADDR_PARAMS");
  }
  if (!r && peer != nullptr) return r.error().WithContext("path " + peer->String());
  return r;
}

Result<IpAddr> AssocOptions::GetPrimaryAddr() const {
  sctp_prim q;
  std::memset(&q, 0, sizeof q);
  q.ssp_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_PRIMARY_ADDR, q);
  if (!k) return k.error();
  sockaddr_storage ss;
  std::memcpy(&ss, &k->ssp_addr, sizeof ss);
  auto a = internal::ParseSockaddr(std::as_bytes(std::span(&ss, 1)));
  if (!a) return a.error().WithContext("primary address");
  return a->ip;
}

Result<void> AssocOptions::SetPrimaryAddr(const IpAddr& peer) const {
  sctp_prim k;
  std::memset(&k, 0, sizeof k);
  k.ssp_assoc_id = assoc_id_;
  PutPeer(peer, peer_port_, &k.ssp_addr);
  auto r = internal::SetOpt(fd_, SCTP_PRIMARY_ADDR, k, "setsockopt SCTP_PRIMARY_ADDR");
  if (!r) return r.error().WithContext("primary " + peer.String());
  return r;
}

Result<PeerAddrInfo> AssocOptions::GetPeerAddrInfo(const IpAddr& peer) const {
  sctp_paddrinfo k;
  std::memset(&k, 0, sizeof k);
  k.spinfo_assoc_id = assoc_id_;
  PutPeer(peer, peer_port_, &k.spinfo_address);
  auto r = internal::GetOpt(fd_, SCTP_GET_PEER_ADDR_INFO, k);
  if (!r) return r.error().WithContext("peer address info " + peer.String());
  return FromKernel(*r);
}

Result<std::vector<PeerAddrInfo>> AssocOptions::GetPeerAddrInfos() const {
  auto peers = PeerAddrs();
  if (!peers) return peers.error();
  std::vector<PeerAddrInfo> out;
  out.reserve(peers->ip_addrs.size());
  for (const IpAddr& ip : peers->ip_addrs) {
    auto info = GetPeerAddrInfo(ip);
    if (!info) return info.error();
    out.push_back(*info);
  }
  return out;
}

Result<SndInfo> AssocOptions::GetDefaultSndInfo() const {
  sctp_sndinfo q{};
  q.snd_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_DEFAULT_SNDINFO, q);
  if (!k) return k.error();
  return internal::FromKernel(*k);
}
Result<void> AssocOptions::SetDefaultSndInfo(const SndInfo& info) const {
  sctp_sndinfo k = internal::ToKernel(info);
  k.snd_assoc_id = assoc_id_;
  return internal::SetOpt(fd_, SCTP_DEFAULT_SNDINFO, k, "setsockopt SCTP_DEFAULT_SNDINFO");
}

Result<void> AssocOptions::SetContext(std::uint32_t context) const {
  return SetAssocValue(fd_, assoc_id_, SCTP_CONTEXT, context, "setsockopt SCTP_CONTEXT");
}
Result<std::uint32_t> AssocOptions::GetContext() const {
  return GetAssocValue(fd_, assoc_id_, SCTP_CONTEXT, "getsockopt SCTP_CONTEXT");
}

}  // namespace netsctp
