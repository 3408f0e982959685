// Ancillary data of SCTP messages: SCTP_SNDINFO out, SCTP_RCVINFO in.
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

// Kernel <-> netsctp forms; the PPID changes byte order here and only here.
sctp_sndinfo ToKernel(const SndInfo& info) noexcept;
SndInfo FromKernel(const sctp_sndinfo& info) noexcept;
RcvInfo FromKernel(const sctp_rcvinfo& info) noexcept;

// Writes one IPPROTO_SCTP/SCTP_SNDINFO control message at the start of
// `out` and returns its length (kSndInfoSpace), or 0 when `out` is too small.
std::size_t EncodeSndInfo(const SndInfo& info, std::span<std::byte> out) noexcept;

// Looks through the control messages in `control` (msg_control up to
// msg_controllen) for SCTP_RCVINFO. Walks by each header's own length and
// stops at anything malformed. True when found and complete.
bool DecodeRcvInfo(std::span<const std::byte> control, RcvInfo& out) noexcept;

}  // namespace netsctp::internal
