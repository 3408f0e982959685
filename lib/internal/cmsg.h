// Ancillary data of SCTP messages: SCTP_SNDINFO (and SCTP_PRINFO) out,
// SCTP_RCVINFO in.
// Pure functions over byte spans (no system call, no allocation), so the
// data path can keep its control buffers on the stack and tests can check
// every byte.
#pragma once

#include <netinet/in.h>  // before netinet/sctp.h, which relies on it
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <span>

#include "netsctp/info.h"

namespace netsctp::internal {

inline constexpr std::size_t kSndInfoSpace = CMSG_SPACE(sizeof(sctp_sndinfo));
inline constexpr std::size_t kRcvInfoSpace = CMSG_SPACE(sizeof(sctp_rcvinfo));
inline constexpr std::size_t kPrInfoSpace = CMSG_SPACE(sizeof(sctp_prinfo));
// What a send's control buffer needs for EncodeSndPrInfo.
inline constexpr std::size_t kSndPrInfoSpace = kSndInfoSpace + kPrInfoSpace;

// Kernel <-> netsctp forms; the PPID changes byte order here and only here.
// Inline, as is the common case of encoding and decoding below: every
// message passes through them.
inline sctp_sndinfo ToKernel(const SndInfo& info) noexcept {
  sctp_sndinfo k{};
  k.snd_sid = info.sid;
  k.snd_flags = static_cast<std::uint16_t>(info.flags);
  k.snd_ppid = htonl(info.ppid);
  k.snd_context = info.context;
  k.snd_assoc_id = info.assoc_id;
  return k;
}
SndInfo FromKernel(const sctp_sndinfo& info) noexcept;
inline RcvInfo FromKernel(const sctp_rcvinfo& k) noexcept {
  return RcvInfo{k.rcv_sid, k.rcv_ssn,    k.rcv_flags,   ntohl(k.rcv_ppid),
                 k.rcv_tsn, k.rcv_cumtsn, k.rcv_context, k.rcv_assoc_id};
}

// One control message as the kernel lays it out: a cmsghdr (glibc's ends in
// a flexible array, so its fields are spelled out), then the data at
// CMSG_LEN(0), the whole CMSG_SPACE long.
template <typename T>
struct CmsgOf {
  struct {
    decltype(cmsghdr::cmsg_len) cmsg_len;
    int cmsg_level;
    int cmsg_type;
  } h;
  T data;
};
static_assert(sizeof(CmsgOf<int>::h) == sizeof(cmsghdr) &&
              offsetof(cmsghdr, cmsg_level) == sizeof(cmsghdr::cmsg_len) &&
              offsetof(cmsghdr, cmsg_type) == sizeof(cmsghdr::cmsg_len) + sizeof(int));
static_assert(offsetof(CmsgOf<sctp_sndinfo>, data) == CMSG_LEN(0));
static_assert(sizeof(CmsgOf<sctp_sndinfo>) == CMSG_SPACE(sizeof(sctp_sndinfo)));
static_assert(sizeof(CmsgOf<sctp_prinfo>) == CMSG_SPACE(sizeof(sctp_prinfo)));

// Writes one IPPROTO_SCTP/SCTP_SNDINFO control message at the start of
// `out` and returns its length (kSndInfoSpace), or 0 when `out` is too small.
inline std::size_t EncodeSndInfo(const SndInfo& info, std::span<std::byte> out) noexcept {
  if (out.size() < kSndInfoSpace) return 0;
  CmsgOf<sctp_sndinfo> c{};
  c.h.cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
  c.h.cmsg_level = IPPROTO_SCTP;
  c.h.cmsg_type = SCTP_SNDINFO;
  c.data = ToKernel(info);
  std::memcpy(out.data(), &c, sizeof c);
  return kSndInfoSpace;
}

// One IPPROTO_SCTP/SCTP_PRINFO control message at the start of `out`;
// returns kPrInfoSpace, or 0 when `out` is too small.
std::size_t EncodePrInfo(const PrInfo& pr, std::span<std::byte> out) noexcept;

// EncodeSndInfo, then, when `info.pr` is set, an IPPROTO_SCTP/SCTP_PRINFO
// control message right after it (the kernel reads both from one sendmsg;
// PRINFO's policy replaces any in the flags). Returns the total length
// (kSndInfoSpace, or kSndPrInfoSpace with pr), or 0 when `out` is too small
// for what is to be written; nothing is written then.
inline std::size_t EncodeSndPrInfo(const SndInfo& info, std::span<std::byte> out) noexcept {
  if (!info.pr) return EncodeSndInfo(info, out);
  if (out.size() < kSndPrInfoSpace) return 0;
  return EncodeSndInfo(info, out) + EncodePrInfo(*info.pr, out.subspan(kSndInfoSpace));
}

// Looks through the control messages in `control` (msg_control up to
// msg_controllen) for SCTP_RCVINFO. Walks by each header's own length and
// stops at anything malformed. True when found and complete. The common
// case, RCVINFO first, is inline; the walk is not.
bool FindRcvInfo(std::span<const std::byte> control, RcvInfo& out) noexcept;
inline bool DecodeRcvInfo(std::span<const std::byte> control, RcvInfo& out) noexcept {
  constexpr std::size_t kLen = CMSG_LEN(sizeof(sctp_rcvinfo));
  static_assert(offsetof(CmsgOf<sctp_rcvinfo>, data) == CMSG_LEN(0));
  if (control.size() >= kLen) {
    CmsgOf<sctp_rcvinfo> c;
    std::memcpy(&c, control.data(), kLen);
    if (c.h.cmsg_level == IPPROTO_SCTP && c.h.cmsg_type == SCTP_RCVINFO &&
        c.h.cmsg_len >= kLen && c.h.cmsg_len <= control.size()) {
      out = FromKernel(c.data);
      return true;
    }
  }
  return FindRcvInfo(control, out);
}

}  // namespace netsctp::internal
