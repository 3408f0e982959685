// AssocOptions: statistics, path thresholds, MAXSEG, AUTH and UDP
// encapsulation. Same shape as lib/assoc.cc: every kernel struct carries this
// view's association id, peers are written with PutPeer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "internal/assoc_opt.h"
#include "internal/sockaddr.h"
#include "netsctp/assoc.h"

namespace netsctp {

using internal::PutPeer;

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;

// The largest shared key AddAuthKey takes: its kernel struct is built on the
// stack (no allocation), and RFC 4895 keys are rarely longer than a hash.
constexpr std::size_t kMaxAuthKey = 256;

// Linux answers EACCES to every AUTH option while AUTH is off for the
// socket; the bare errno does not tell a caller what to switch on.
Error AuthError(int err, const char* what) {
  if (err == EACCES) {
    return SystemError(err, std::string(what) +
                                ": SCTP AUTH is off (set net.sctp.auth_enable=1 or call SetAuthSupported(true) "
                                "before the association starts)");
  }
  return SystemError(err, what);
}

Result<void> SetAuth(int fd, int name, const void* value, socklen_t len, const char* what) {
  if (fd < 0) return kBadFd;
  if (::setsockopt(fd, IPPROTO_SCTP, name, value, len) != 0) return AuthError(errno, what);
  return {};
}

Error PathError(const Error& e, const IpAddr* peer) {
  return e.WithContext(peer != nullptr ? "path " + peer->String() : "paths");
}

}  // namespace

// ---- statistics

Result<AssocStats> AssocOptions::Stats() const {
  sctp_assoc_stats q;
  std::memset(&q, 0, sizeof q);
  q.sas_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_GET_ASSOC_STATS, q);
  if (!k) return k.error().WithContext("SCTP_GET_ASSOC_STATS");
  AssocStats s;
  s.max_rto = std::chrono::milliseconds(k->sas_maxrto);
  // Empty (AF_UNSPEC) when no RTO changed since the last read.
  sockaddr_storage ss;
  std::memcpy(&ss, &k->sas_obs_rto_ipaddr, sizeof ss);
  if (ss.ss_family != AF_UNSPEC) {
    if (auto a = internal::ParseSockaddr(std::as_bytes(std::span(&ss, 1)))) {
      s.max_rto_addr = a->ip;
      s.max_rto_port = a->port;
    }
  }
  s.sacks_in = k->sas_isacks;
  s.sacks_out = k->sas_osacks;
  s.packets_out = k->sas_opackets;
  s.packets_in = k->sas_ipackets;
  s.retransmitted_chunks = k->sas_rtxchunks;
  s.out_of_sequence_tsns = k->sas_outofseqtsns;
  s.duplicate_chunks_in = k->sas_idupchunks;
  s.gap_acks_in = k->sas_gapcnt;
  s.unordered_chunks_out = k->sas_ouodchunks;
  s.unordered_chunks_in = k->sas_iuodchunks;
  s.ordered_chunks_out = k->sas_oodchunks;
  s.ordered_chunks_in = k->sas_iodchunks;
  s.control_chunks_out = k->sas_octrlchunks;
  s.control_chunks_in = k->sas_ictrlchunks;
  return s;
}

// ---- MAXSEG

Result<void> AssocOptions::SetMaxSeg(std::uint32_t bytes) const {
  auto r = internal::SetAssocValue(fd_, assoc_id_, SCTP_MAXSEG, bytes, "setsockopt SCTP_MAXSEG");
  // Linux takes 0 or a size between what the headers leave of the smallest
  // MTU it allows and the largest chunk; say which value was refused.
  if (!r) return r.error().WithContext("max segment " + std::to_string(bytes) + " bytes");
  return r;
}

Result<std::uint32_t> AssocOptions::GetMaxSeg() const {
  return internal::GetAssocValue(fd_, assoc_id_, SCTP_MAXSEG, "getsockopt SCTP_MAXSEG");
}

// ---- path thresholds

Result<void> AssocOptions::SetPathThresholds(const PathThresholds& t, const IpAddr* peer) const {
  sctp_paddrthlds_v2 k;
  std::memset(&k, 0, sizeof k);
  k.spt_assoc_id = assoc_id_;
  if (peer != nullptr) PutPeer(*peer, peer_port_, &k.spt_address);
  k.spt_pathmaxrxt = t.path_max_retrans;
  k.spt_pathpfthld = t.pf_threshold;
  k.spt_pathcpthld = t.ps_threshold;
  auto r = internal::SetOpt(fd_, SCTP_PEER_ADDR_THLDS_V2, k, "setsockopt SCTP_PEER_ADDR_THLDS_V2");
  if (r) return r;
  // Linux refuses, with a bare EINVAL, a switchover threshold below the
  // potentially-failed one.
  if (r.error() == std::errc::invalid_argument && t.pf_threshold > t.ps_threshold) {
    return PathError(Error(r.error().code(), "setsockopt SCTP_PEER_ADDR_THLDS_V2: pf_threshold " +
                                                 std::to_string(t.pf_threshold) + " above ps_threshold " +
                                                 std::to_string(t.ps_threshold) + " (0xffff turns switchover off)"),
                     peer);
  }
  return PathError(r.error(), peer);
}

Result<PathThresholds> AssocOptions::GetPathThresholds(const IpAddr* peer) const {
  sctp_paddrthlds_v2 q;
  std::memset(&q, 0, sizeof q);
  q.spt_assoc_id = assoc_id_;
  if (peer != nullptr) PutPeer(*peer, peer_port_, &q.spt_address);
  auto k = internal::GetOpt(fd_, SCTP_PEER_ADDR_THLDS_V2, q);
  if (!k) return PathError(k.error().WithContext("getsockopt SCTP_PEER_ADDR_THLDS_V2"), peer);
  return PathThresholds{k->spt_pathmaxrxt, k->spt_pathpfthld, k->spt_pathcpthld};
}

// ---- AUTH

Result<void> AssocOptions::SetAuthSupported(bool on) const {
  return internal::SetAssocValue(fd_, assoc_id_, SCTP_AUTH_SUPPORTED, on ? 1 : 0, "setsockopt SCTP_AUTH_SUPPORTED");
}

Result<bool> AssocOptions::AuthSupported() const {
  auto v = internal::GetAssocValue(fd_, assoc_id_, SCTP_AUTH_SUPPORTED, "getsockopt SCTP_AUTH_SUPPORTED");
  if (!v) return v.error();
  return *v != 0;
}

Result<void> AssocOptions::AddAuthKey(std::uint16_t key_id, std::span<const std::byte> secret) const {
  if (secret.size() > kMaxAuthKey) {
    return Error(std::make_error_code(std::errc::invalid_argument),
                 "AddAuthKey " + std::to_string(key_id) + ": key of " + std::to_string(secret.size()) +
                     " bytes, at most " + std::to_string(kMaxAuthKey) + " supported");
  }
  // struct sctp_authkey ends in a flexible array: header and key bytes in
  // one suitably aligned stack buffer.
  alignas(sctp_authkey) std::byte buf[sizeof(sctp_authkey) + kMaxAuthKey];
  std::memset(buf, 0, sizeof buf);
  sctp_authkey head;
  std::memset(&head, 0, sizeof head);
  head.sca_assoc_id = assoc_id_;
  head.sca_keynumber = key_id;
  head.sca_keylength = static_cast<std::uint16_t>(secret.size());
  std::memcpy(buf, &head, sizeof head);
  if (!secret.empty()) std::memcpy(buf + sizeof head, secret.data(), secret.size());
  const std::string what = "setsockopt SCTP_AUTH_KEY " + std::to_string(key_id);
  return SetAuth(fd_, SCTP_AUTH_KEY, buf, static_cast<socklen_t>(sizeof head + secret.size()), what.c_str());
}

namespace {

Result<void> KeyIdOp(int fd, std::int32_t assoc_id, int name, std::uint16_t key_id, const char* what) {
  sctp_authkeyid k{};
  k.scact_assoc_id = assoc_id;
  k.scact_keynumber = key_id;
  const std::string ctx = std::string(what) + ' ' + std::to_string(key_id);
  return SetAuth(fd, name, &k, sizeof k, ctx.c_str());
}

}  // namespace

Result<void> AssocOptions::ActivateAuthKey(std::uint16_t key_id) const {
  return KeyIdOp(fd_, assoc_id_, SCTP_AUTH_ACTIVE_KEY, key_id, "setsockopt SCTP_AUTH_ACTIVE_KEY");
}

Result<std::uint16_t> AssocOptions::ActiveAuthKey() const {
  if (fd_ < 0) return kBadFd;
  sctp_authkeyid k{};
  k.scact_assoc_id = assoc_id_;
  socklen_t len = sizeof k;
  if (::getsockopt(fd_, IPPROTO_SCTP, SCTP_AUTH_ACTIVE_KEY, &k, &len) != 0)
    return AuthError(errno, "getsockopt SCTP_AUTH_ACTIVE_KEY");
  return k.scact_keynumber;
}

Result<void> AssocOptions::DeactivateAuthKey(std::uint16_t key_id) const {
  return KeyIdOp(fd_, assoc_id_, SCTP_AUTH_DEACTIVATE_KEY, key_id, "setsockopt SCTP_AUTH_DEACTIVATE_KEY");
}

Result<void> AssocOptions::DeleteAuthKey(std::uint16_t key_id) const {
  return KeyIdOp(fd_, assoc_id_, SCTP_AUTH_DELETE_KEY, key_id, "setsockopt SCTP_AUTH_DELETE_KEY");
}

Result<void> AssocOptions::AddAuthChunk(std::uint8_t chunk_type) const {
  // The kernel keeps the list per endpoint (the struct has no association
  // id): it applies to associations started afterwards.
  sctp_authchunk k{};
  k.sauth_chunk = chunk_type;
  const std::string what = "setsockopt SCTP_AUTH_CHUNK " + std::to_string(chunk_type);
  return SetAuth(fd_, SCTP_AUTH_CHUNK, &k, sizeof k, what.c_str());
}

// ---- UDP encapsulation

Result<void> AssocOptions::SetUdpEncapsPort(std::uint16_t port, const IpAddr* peer) const {
  sctp_udpencaps k;
  std::memset(&k, 0, sizeof k);
  k.sue_assoc_id = assoc_id_;
  if (peer != nullptr) PutPeer(*peer, peer_port_, &k.sue_address);
  k.sue_port = htons(port);
  auto r = internal::SetOpt(fd_, SCTP_REMOTE_UDP_ENCAPS_PORT, k, "setsockopt SCTP_REMOTE_UDP_ENCAPS_PORT");
  if (!r) return PathError(r.error().WithContext("UDP port " + std::to_string(port)), peer);
  return r;
}

Result<std::uint16_t> AssocOptions::GetUdpEncapsPort(const IpAddr* peer) const {
  sctp_udpencaps q;
  std::memset(&q, 0, sizeof q);
  q.sue_assoc_id = assoc_id_;
  if (peer != nullptr) PutPeer(*peer, peer_port_, &q.sue_address);
  auto k = internal::GetOpt(fd_, SCTP_REMOTE_UDP_ENCAPS_PORT, q);
  if (!k) return PathError(k.error().WithContext("getsockopt SCTP_REMOTE_UDP_ENCAPS_PORT"), peer);
  return ntohs(k->sue_port);
}

}  // namespace netsctp
