// Ancillary data of SCTP messages: SCTP_SNDINFO (and SCTP_PRINFO) out,
// SCTP_RCVINFO in.
// Pure functions over byte spans (no system call, no allocation), so the
// data path can keep its control buffers on the stack and tests can check
// every byte.
#pragma once

#include <netinet/in.h>  // before netinet/sctp.h, which relies on it
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cstddef>
#include <span>

#include "netsctp/info.h"

namespace netsctp::internal {

inline constexpr std::size_t kSndInfoSpace = CMSG_SPACE(sizeof(sctp_sndinfo));
inline constexpr std::size_t kRcvInfoSpace = CMSG_SPACE(sizeof(sctp_rcvinfo));
inline constexpr std::size_t kPrInfoSpace = CMSG_SPACE(sizeof(sctp_prinfo));
// What a send's control buffer needs for EncodeSndPrInfo.
inline constexpr std::size_t kSndPrInfoSpace = kSndInfoSpace + kPrInfoSpace;

// Kernel <-> netsctp forms; the PPID changes byte order here and only here.
sctp_sndinfo ToKernel(const SndInfo& info) noexcept;
SndInfo FromKernel(const sctp_sndinfo& info) noexcept;
RcvInfo FromKernel(const sctp_rcvinfo& info) noexcept;

// Writes one IPPROTO_SCTP/SCTP_SNDINFO control message at the start of
// `out` and returns its length (kSndInfoSpace), or 0 when `out` is too small.
std::size_t EncodeSndInfo(const SndInfo& info, std::span<std::byte> out) noexcept;

// EncodeSndInfo, then, when `info.pr` is set, an IPPROTO_SCTP/SCTP_PRINFO
// control message right after it (the kernel reads both from one sendmsg;
// PRINFO's policy replaces any in the flags). Returns the total length
// (kSndInfoSpace, or kSndPrInfoSpace with pr), or 0 when `out` is too small
// for what is to be written; nothing is written then.
std::size_t EncodeSndPrInfo(const SndInfo& info, std::span<std::byte> out) noexcept;

// Looks through the control messages in `control` (msg_control up to
// msg_controllen) for SCTP_RCVINFO. Walks by each header's own length and
// stops at anything malformed. True when found and complete.
bool DecodeRcvInfo(std::span<const std::byte> control, RcvInfo& out) noexcept;

}  // namespace netsctp::internal
