#include "internal/cmsg.h"

#include <arpa/inet.h>

#include <cstring>

namespace netsctp::internal {

SndInfo FromKernel(const sctp_sndinfo& k) noexcept {
  return SndInfo{k.snd_sid, static_cast<SndFlags>(k.snd_flags), ntohl(k.snd_ppid), k.snd_context, k.snd_assoc_id};
}

std::size_t EncodePrInfo(const PrInfo& pr, std::span<std::byte> out) noexcept {
  if (out.size() < kPrInfoSpace) return 0;
  CmsgOf<sctp_prinfo> c{};
  c.h.cmsg_len = CMSG_LEN(sizeof(sctp_prinfo));
  c.h.cmsg_level = IPPROTO_SCTP;
  c.h.cmsg_type = SCTP_PRINFO;
  c.data.pr_policy = static_cast<std::uint16_t>(pr.policy);
  c.data.pr_value = pr.value;
  std::memcpy(out.data(), &c, sizeof c);
  return kPrInfoSpace;
}

bool FindRcvInfo(std::span<const std::byte> control, RcvInfo& out) noexcept {
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
