#include "internal/cmsg.h"

#include <arpa/inet.h>

#include <cstring>

namespace netsctp::internal {

sctp_sndinfo ToKernel(const SndInfo& info) noexcept {
  sctp_sndinfo k{};
  k.snd_sid = info.sid;
  k.snd_flags = static_cast<std::uint16_t>(info.flags);
  k.snd_ppid = htonl(info.ppid);
  k.snd_context = info.context;
  k.snd_assoc_id = info.assoc_id;
  return k;
}

SndInfo FromKernel(const sctp_sndinfo& k) noexcept {
  return SndInfo{k.snd_sid, static_cast<SndFlags>(k.snd_flags), ntohl(k.snd_ppid), k.snd_context, k.snd_assoc_id};
}

RcvInfo FromKernel(const sctp_rcvinfo& k) noexcept {
  return RcvInfo{k.rcv_sid,   k.rcv_ssn,     k.rcv_flags,   ntohl(k.rcv_ppid),
                 k.rcv_tsn,   k.rcv_cumtsn,  k.rcv_context, k.rcv_assoc_id};
}

std::size_t EncodeSndInfo(const SndInfo& info, std::span<std::byte> out) noexcept {
  if (out.size() < kSndInfoSpace) return 0;
  std::memset(out.data(), 0, kSndInfoSpace);
  cmsghdr h{};
  h.cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
  h.cmsg_level = IPPROTO_SCTP;
  h.cmsg_type = SCTP_SNDINFO;
  std::memcpy(out.data(), &h, sizeof h);
  const sctp_sndinfo k = ToKernel(info);
  std::memcpy(out.data() + CMSG_LEN(0), &k, sizeof k);
  return kSndInfoSpace;
}

std::size_t EncodeSndPrInfo(const SndInfo& info, std::span<std::byte> out) noexcept {
  const std::size_t need = info.pr ? kSndPrInfoSpace : kSndInfoSpace;
  if (out.size() < need) return 0;
  const std::size_t n = EncodeSndInfo(info, out);
  if (!info.pr) return n;
  std::memset(out.data() + n, 0, kPrInfoSpace);
  cmsghdr h{};
  h.cmsg_len = CMSG_LEN(sizeof(sctp_prinfo));
  h.cmsg_level = IPPROTO_SCTP;
  h.cmsg_type = SCTP_PRINFO;
  std::memcpy(out.data() + n, &h, sizeof h);
  sctp_prinfo k{};
  k.pr_policy = static_cast<std::uint16_t>(info.pr->policy);
  k.pr_value = info.pr->value;
  std::memcpy(out.data() + n + CMSG_LEN(0), &k, sizeof k);
  return n + kPrInfoSpace;
}

bool DecodeRcvInfo(std::span<const std::byte> control, RcvInfo& out) noexcept {
  std::size_t off = 0;
  while (control.size() - off >= sizeof(cmsghdr)) {
    cmsghdr h;
    std::memcpy(&h, control.data() + off, sizeof h);
    if (h.cmsg_len < sizeof(cmsghdr) || h.cmsg_len > control.size() - off) return false;
    if (h.cmsg_level == IPPROTO_SCTP && h.cmsg_type == SCTP_RCVINFO) {
      if (h.cmsg_len < CMSG_LEN(sizeof(sctp_rcvinfo))) return false;
      sctp_rcvinfo k;
      std::memcpy(&k, control.data() + off + CMSG_LEN(0), sizeof k);
      out = FromKernel(k);
      return true;
    }
    const std::size_t step = CMSG_ALIGN(h.cmsg_len);
    if (step > control.size() - off) return false;
    off += step;
  }
  return false;
}

}  // namespace netsctp::internal
