// The message data path shared by SctpConn (one association per socket) and
// SctpEndpoint (many): recvmsg/sendmsg through an FdCore, whole-message
// assembly that survives EAGAIN and deadlines, and, for one-to-one sockets,
// noticing that the association has ended (see FdCore::End).
//
// Nothing here allocates on the success path: control buffers live on the
// caller's stack, results are values.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "internal/fd_core.h"
#include "netsctp/conn.h"

namespace netsctp::internal {

// Whether the socket carries one association whose end the calls must
// notice and make visible (SctpConn), or many that come and go (SctpEndpoint).
enum class Assocs { kOne, kMany };

// A peer's address as recvmsg reports it (msg_name); len 0 when absent.
struct RawPeer {
  sockaddr_storage addr;
  socklen_t len = 0;
};

// The part of a message read before ReadFullMsg met EAGAIN (non-blocking
// mode) or its deadline: kept so that the next call goes on from there.
struct PartialMsg {
  Message msg;                   // flags and info of what was read
  RawPeer from;                  // where its first piece came from
  std::vector<std::byte> bytes;  // the bytes read (none while draining)
  bool draining = false;         // the message outgrew the buffer: dropping the rest
};

// One recvmsg into `buf` with `oob` as the control buffer, waiting as `core`
// says, into `m`; `from` (optional) receives the sender's address. Returns
// the bytes read or the failure. With Assocs::kOne an empty read is the
// association's end (EndStatus), and a failure checks whether the
// association is gone.
IoStatus RecvMsg(FdCore& core, Assocs assocs, std::span<std::byte> buf, std::span<std::byte> oob, RawPeer* from,
                 Message& m);

// Reads a whole message (see SctpConn::ReadFullMsg), keeping a message cut
// short by EAGAIN or a deadline in `partial` for the next call. `from`
// (optional) receives the address its first piece came from.
Result<Message> ReadFullMsg(FdCore& core, Assocs assocs, std::unique_ptr<PartialMsg>& partial,
                            std::span<std::byte> buf, RawPeer* from);

// ReadFullMsg plus the parsed event of a notification; a message aborted part
// way is dropped and the PARTIAL_DELIVERY event after it returned.
Result<MsgOrEvent> ReadMsgOrEvent(FdCore& core, Assocs assocs, std::unique_ptr<PartialMsg>& partial,
                                  std::span<std::byte> buf, RawPeer* from);

// One sendmsg of `buf` with `control` (already encoded ancillary data, may be
// empty) to `to` (may be null), with MSG_NOSIGNAL added to `flags`. Returns
// the bytes sent or the failure.
IoStatus SendMsg(FdCore& core, Assocs assocs, std::span<const std::byte> buf, std::span<std::byte> control,
                 const sockaddr* to, socklen_t to_len, int flags);

// The error of a send of `len` bytes with `info` (null: the socket's
// default send info) that failed with `n`. Linux says only EINVAL for an
// empty message, a stream beyond those negotiated, a flag the socket style
// does not take and an unknown PR policy: those are named (same code, a
// context that says which and why). Called on failure only (it costs a
// getsockopt), so the success path does no checking of its own.
Error SendError(FdCore& core, Assocs assocs, IoStatus n, std::size_t len, const SndInfo* info);

// Batched RecvMsg: one recvmmsg of up to kMaxBatch messages that waits for the
// first (see SctpConn::ReadMsgs). Returns how many were read.
IoStatus RecvMsgs(FdCore& core, Assocs assocs, std::span<InMsg> msgs);

// Batched SendMsg: sends `msgs` (complete headers, control included) in
// order, in runs that bundle with MSG_MORE (see SctpConn::WriteMsgs).
// Returns how many were sent; a failure only when none was.
IoStatus SendMsgs(FdCore& core, Assocs assocs, std::span<mmsghdr> msgs);

// Whether the association of a one-to-one `core` has ended; ends the core
// when it has (see FdCore::End) and returns the reason reads and writes give.
// Must run while `core` is in use.
bool EndIfGone(FdCore& core, int fd, int err);
IoStatus EndStatus(const FdCore& core);
Error EndError(const FdCore& core);

// How often a reader re-checks the association once our shutdown is under way.
inline constexpr std::int64_t kShutdownCheckNs = 50'000'000;
// How often a blocked call on a peeled-off connection re-checks its
// association: Linux signals a graceful end there only by the ASSOC_CHANGE
// event, which the application may not have subscribed to.
inline constexpr std::int64_t kPeeledCheckNs = 500'000'000;

}  // namespace netsctp::internal
