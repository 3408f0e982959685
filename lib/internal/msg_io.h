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

#include "internal/cmsg.h"
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

// Whether the association of a one-to-one `core` has ended; ends the core
// when it has (see FdCore::End) and returns the reason reads and writes give.
// Must run while `core` is in use.
bool EndIfGone(FdCore& core, int fd, int err);
IoStatus EndStatus(const FdCore& core);
Error EndError(const FdCore& core);

// The rare paths of RecvMsg and SendMsg (out of line): `n` is what
// FdCore::TryOnce returned, a failure (checked as DataIo checks one) or
// kTryIo/kWaitIo (then the call is made again through FdCore::Io, which
// waits as the core says).
IoStatus RecvMsgSlow(FdCore& core, Assocs assocs, msghdr& msg, IoStatus n);
IoStatus SendMsgSlow(FdCore& core, Assocs assocs, const msghdr& msg, int flags, IoStatus n);

// A notification just read: logged and, on a one-to-one socket, an end of
// the association it reports made visible (rare: off the data path).
[[gnu::cold]] void OnNotification(FdCore& core, Assocs assocs, std::span<const std::byte> bytes);

// What one recvmsg (or one entry of recvmmsg) read, as a Message; false when
// it is the association's end (Assocs::kOne: an empty read).
inline bool ToMessage(FdCore& core, Assocs assocs, std::size_t n, const msghdr& msg, std::span<std::byte> buf,
                      Message& m) {
  m.n = n;
  m.data = buf.first(n);
  m.flags = msg.msg_flags;
  if (!m.Notification()) [[likely]] {
    m.has_info = DecodeRcvInfo(
        std::span<const std::byte>(static_cast<const std::byte*>(msg.msg_control), msg.msg_controllen), m.info);
    return n != 0 || msg.msg_controllen != 0 || assocs == Assocs::kMany;
  }
  m.has_info = false;
  if (m.Eor()) OnNotification(core, assocs, buf.first(m.n));
  return true;
}

// One recvmsg into `buf` with `oob` as the control buffer, waiting as `core`
// says, into `m`; `from` (optional) receives the sender's address. Returns
// the bytes read or the failure. With Assocs::kOne an empty read is the
// association's end (EndStatus), and a failure checks whether the
// association is gone.
//
// Inline, as SendMsg: every message passes through them, and a connection's
// read or write is then one frame around its system call, which FdCore's
// TryOnce makes; what it cannot finish goes to the out-of-line RecvMsgSlow.
[[gnu::always_inline]] inline IoStatus RecvMsg(FdCore& core, Assocs assocs, std::span<std::byte> buf,
                                               std::span<std::byte> oob, RawPeer* from, Message& m) {
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = oob.empty() ? nullptr : oob.data();
  msg.msg_controllen = oob.size();
  if (from != nullptr) {
    msg.msg_name = &from->addr;
    msg.msg_namelen = sizeof from->addr;
  }
  IoStatus n = core.TryOnce(Dir::kRead, [&msg](int fd, int flags) { return ::recvmsg(fd, &msg, flags); });
  if (n < 0) [[unlikely]] {
    n = RecvMsgSlow(core, assocs, msg, n);
    if (n < 0) return n;
  }
  if (from != nullptr) from->len = msg.msg_namelen;
  if (!ToMessage(core, assocs, static_cast<std::size_t>(n), msg, buf, m)) return EndStatus(core);
  return n;
}

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
[[gnu::always_inline]] inline IoStatus SendMsg(FdCore& core, Assocs assocs, std::span<const std::byte> buf,
                                               std::span<std::byte> control, const sockaddr* to, socklen_t to_len,
                                               int flags) {
  iovec iov{const_cast<std::byte*>(buf.data()), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = const_cast<sockaddr*>(to);
  msg.msg_namelen = to != nullptr ? to_len : 0;
  msg.msg_control = control.empty() ? nullptr : control.data();
  msg.msg_controllen = control.size();
  flags |= MSG_NOSIGNAL;
  const IoStatus n =
      core.TryOnce(Dir::kWrite, [&msg, flags](int fd, int wait) { return ::sendmsg(fd, &msg, flags | wait); });
  if (n >= 0) [[likely]] return n;
  return SendMsgSlow(core, assocs, msg, flags, n);
}

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

// How often a reader re-checks the association once our shutdown is under way.
inline constexpr std::int64_t kShutdownCheckNs = 50'000'000;
// How often a blocked call on a peeled-off connection re-checks its
// association: Linux signals a graceful end there only by the ASSOC_CHANGE
// event, which the application may not have subscribed to.
inline constexpr std::int64_t kPeeledCheckNs = 500'000'000;

}  // namespace netsctp::internal
