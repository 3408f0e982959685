// netsctp/conn.h: SctpConn, one SCTP association on a one-to-one socket.
//
// Mirrors go-sctp's SCTPConn. Every call returns Result; none throws (except
// Result::value() on an error). A call first tries its system call, so the
// fast path costs one system call. A blocking read with no deadline sleeps
// inside recvmsg like a raw blocking reader (the descriptor is blocking in
// blocking mode; every other call passes MSG_DONTWAIT); other calls that must
// wait poll. Blocking calls honour the read/write deadlines (a read asleep in
// recvmsg adopts one set from another thread within 200 ms) and are woken by
// Close() from another thread, which then fails them with Errc::kClosed; the
// descriptor is closed only once no call is using it, so a reused descriptor
// number is never touched. In non-blocking mode (SetNonBlocking(true), which
// also sets O_NONBLOCK) EAGAIN is returned as
// std::errc::resource_unavailable_try_again. See docs/api.md.
//
// Once the association ends (ABORT, COMM_LOST, SHUTDOWN complete) every read
// and write ends at once with the reason, on every thread, and fd() reports
// POLLIN|POLLHUP for good, whichever call learnt of it first: see Alive() and
// "When the association ends" in docs/api.md for the readiness contract.
//
// ReadMsg and WriteMsg allocate nothing: ancillary data lives on the stack.
// Sends use MSG_NOSIGNAL: SIGPIPE never reaches the application.
//
// Thread safety: one reader and one writer may use a connection at the same
// time, and Close()/SetDeadline() may be called from any thread while they
// wait. Other calls on one object must not race with each other. A moved-from
// or closed SctpConn answers every call with std::errc::bad_file_descriptor.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "netsctp/addr.h"
#include "netsctp/assoc.h"
#include "netsctp/bytes.h"
#include "netsctp/event.h"
#include "netsctp/info.h"
#include "netsctp/result.h"
#include "netsctp/sockopt.h"

namespace netsctp {

namespace internal {
class FdCore;
struct PartialMsg;
}

// Deadlines are points on the steady clock; a default-constructed one means none.
using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline{};
// The deadline `d` from now.
inline Deadline DeadlineAfter(std::chrono::nanoseconds d) {
  return std::chrono::time_point_cast<Deadline::duration>(std::chrono::steady_clock::now() + d);
}

// One read by ReadMsg: how many bytes, with what info, and the flags.
struct Message {
  std::size_t n = 0;       // bytes stored in the buffer
  std::span<std::byte> data;  // exactly those bytes: the first n of the buffer read into
  RcvInfo info;            // valid when has_info (data messages with SCTP_RECVRCVINFO on)
  bool has_info = false;
  int flags = 0;           // RecvFlags bits: kEor, kNotification, kCtrunc

  bool Eor() const noexcept { return Has(flags, RecvFlags::kEor); }
  bool Notification() const noexcept { return Has(flags, RecvFlags::kNotification); }
  bool ControlTruncated() const noexcept { return Has(flags, RecvFlags::kCtrunc); }
  // The bytes read, as text (a view into the buffer).
  std::string_view Text() const noexcept { return AsText(data); }
};

// One unit read by ReadMsgOrEvent: a whole data message, or an event.
struct MsgOrEvent {
  Message msg;                 // msg.n bytes of the caller's buffer; for data, msg.info
  std::optional<Event> event;  // set for a notification; holds views into the buffer

  bool IsEvent() const noexcept { return event.has_value(); }
};

// One message of a WriteMsgs batch: its bytes and, optionally, its send info
// (stream, PPID, flags, PR policy), as for WriteMsg.
struct OutMsg {
  std::span<const std::byte> data;
  const SndInfo* info = nullptr;
};

// One message of a ReadMsgs batch: the buffer to read into, and what was read
// there (as ReadMsg returns it).
struct InMsg {
  std::span<std::byte> buf;
  Message msg{};
};

// The most messages WriteMsgs hands the kernel, and ReadMsgs reads, per system call.
inline constexpr std::size_t kMaxBatch = 64;

class SctpConn {
 public:
  SctpConn() noexcept;  // empty: every call fails with bad_file_descriptor
  SctpConn(SctpConn&&) noexcept;
  SctpConn& operator=(SctpConn&&) noexcept;
  SctpConn(const SctpConn&) = delete;
  SctpConn& operator=(const SctpConn&) = delete;
  ~SctpConn();  // Close(), ignoring errors

  // Takes ownership of a connected one-to-one SCTP socket (from another
  // library, or peeled off a one-to-many socket with sctp_peeloff; see also
  // SctpEndpoint::PeelOff). Errors: ENOTSUP for anything else. It is made
  // close-on-exec and blocking (a peeled-off one non-blocking: its waits poll),
  // SCTP_RECVRCVINFO is turned on. On error the descriptor is NOT closed.
  static Result<SctpConn> Adopt(int fd);
  // Gives up ownership: returns the descriptor (still open, still
  // non-blocking) and leaves this object empty. -1 when empty.
  int Release() noexcept;
  // The descriptor, for poll/epoll or options netsctp does not wrap; -1 when empty.
  int fd() const noexcept;
  bool IsOpen() const noexcept { return fd() >= 0; }

  // ---- data
  // Reads data from any stream; message boundaries and notifications are not
  // distinguished (prefer ReadMsg). End of stream: Errc::kEndOfStream.
  Result<std::size_t> Read(std::span<std::byte> buf);
  // Sends `buf` as one message on stream 0 (or the default send info).
  Result<std::size_t> Write(std::span<const std::byte> buf);
  template <ByteRange R>
  Result<std::size_t> Write(const R& data) { return Write(AsBytes(data)); }
  Result<std::size_t> Write(std::string_view text) { return Write(AsBytes(text)); }

  // Reads one message, or its next piece when it does not fit in `buf`
  // (EOR is set only on the last piece). Notifications come with
  // kNotification set (parse them with ParseEvent). End of stream (the peer
  // shut down and nothing is left): Errc::kEndOfStream; after an ABORT or
  // COMM_LOST, once nothing is left: ECONNRESET or ETIMEDOUT, on every later
  // read too. PPID in host order.
  // Blocks until data, the read deadline (Errc::kTimeout) or Close (Errc::kClosed).
  Result<Message> ReadMsg(std::span<std::byte> buf);
  // ReadMsg with the caller's ancillary buffer `oob`: RcvInfo is decoded from
  // it when present; kCtrunc reports that `oob` was too small.
  Result<Message> ReadMsgExt(std::span<std::byte> buf, std::span<std::byte> oob);
  // Reads a whole message (all pieces up to EOR) into `buf`. When the message
  // is larger than `buf`, its remainder is read and discarded and the result
  // is Errc::kMessageTooLarge, so the next call starts on a message boundary.
  // When the peer aborts part way through a message, the pieces read are
  // dropped and the result is Errc::kMessageAborted; the next call returns
  // the PARTIAL_DELIVERY notification. A notification is returned whole the
  // same way as data, flagged kNotification. When the rest of a message is
  // not there yet and the call returns EAGAIN (non-blocking mode) or
  // Errc::kTimeout, the part already read is kept by the connection (copied
  // out of `buf`) and the next ReadFullMsg or ReadMsgOrEvent goes on from it,
  // with any buffer: nothing is lost. Do not mix it with ReadMsg meanwhile.
  Result<Message> ReadFullMsg(std::span<std::byte> buf);
  // The common loop's read: the next whole message (as ReadFullMsg) and,
  // when it is a notification, its parsed Event. A message aborted part way
  // is dropped and the PARTIAL_DELIVERY event that follows it is returned.
  // Errors: those of ReadFullMsg, and ParseEvent's for a notification that
  // does not parse (its bytes are consumed either way).
  //   for (;;) {
  //     auto in = conn.ReadMsgOrEvent(buf);
  //     if (!in) break;
  //     if (in->IsEvent()) OnEvent(*in->event); else OnData(buf, in->msg);
  //   }
  Result<MsgOrEvent> ReadMsgOrEvent(std::span<std::byte> buf);

  // Sends `buf` as one message; with `info`, on its stream with its PPID
  // (host order) and flags. Errors: EINVAL for an empty message, a stream at
  // or above the negotiated outbound count, the kEof/kAbort flags on
  // one-to-one sockets and an unknown PR policy, its context saying which
  // (e.g. "stream 20 of 10 negotiated (streams 0-9)"), EMSGSIZE for a message larger than the send buffer, EPIPE once
  // the association is shut down, and once it has ended by an ABORT or
  // COMM_LOST that reason (ECONNRESET, ETIMEDOUT). Blocks while the send buffer is full,
  // until the write deadline or Close.
  Result<std::size_t> WriteMsg(std::span<const std::byte> buf, const SndInfo* info = nullptr);
  Result<std::size_t> WriteMsg(std::span<const std::byte> buf, const SndInfo& info) { return WriteMsg(buf, &info); }
  // The same for any ByteRange (std::string, std::vector<char>, ...) and for
  // text such as a string literal (sent without its terminating NUL).
  template <ByteRange R>
  Result<std::size_t> WriteMsg(const R& data, const SndInfo* info = nullptr) { return WriteMsg(AsBytes(data), info); }
  template <ByteRange R>
  Result<std::size_t> WriteMsg(const R& data, const SndInfo& info) { return WriteMsg(AsBytes(data), &info); }
  Result<std::size_t> WriteMsg(std::string_view text, const SndInfo* info = nullptr) {
    return WriteMsg(AsBytes(text), info);
  }
  Result<std::size_t> WriteMsg(std::string_view text, const SndInfo& info) { return WriteMsg(AsBytes(text), &info); }

  // Batched WriteMsg: sends the messages in order, each with its own info (a
  // stream's remembered policy applies as for WriteMsg), in runs of up to
  // kMaxBatch: the messages of a run but the last go in one sendmmsg with
  // MSG_MORE, so the kernel bundles small messages into full packets instead
  // of one packet each, and the last goes without it to let them go. A run
  // holds only what fits in the free send buffer (SO_MEMINFO), so a full
  // buffer never leaves it held. Returns how many messages were sent, from
  // the start of `msgs`: all, or fewer when one could not be sent after
  // others were (in non-blocking mode the send buffer filled; the deadline
  // passed; that message failed, e.g. its stream is beyond the negotiated
  // count: then the messages of its run before it wait for the next write).
  // An error is returned only when the first message could not be sent, so
  // calling again with the rest reports why it stopped. No allocation.
  Result<std::size_t> WriteMsgs(std::span<const OutMsg> msgs);
  // Batched ReadMsg: waits (as ReadMsg does) for at least one message, then
  // reads what is already queued, up to msgs.size() and kMaxBatch, in one
  // recvmmsg; fills msgs[i].msg for each and returns how many. Each entry is
  // what ReadMsg would have returned: a message longer than its buffer
  // continues in the next entry (no kEor), notifications come as they are.
  // The association's end: that of ReadMsg when nothing was read first.
  Result<std::size_t> ReadMsgs(std::span<InMsg> msgs);
  // A remembered policy for one outgoing stream (the way a WebRTC data
  // channel or a userspace stack's stream is configured once): every WriteMsg
  // on that stream whose SndInfo carries no `pr` of its own uses `pr`, and is
  // sent unordered when `unordered` is set. Kept by this object (no system
  // call, no allocation when sending); a stream without one uses the
  // association's default (AssocOptions::SetDefaultPrInfo).
  struct StreamPolicy {
    PrInfo pr;
    bool unordered = false;
    friend bool operator==(const StreamPolicy&, const StreamPolicy&) = default;
  };
  Result<void> SetStreamPolicy(std::uint16_t sid, const StreamPolicy& policy);
  Result<void> ClearStreamPolicy(std::uint16_t sid);
  std::optional<StreamPolicy> GetStreamPolicy(std::uint16_t sid) const;
  // A datagram: `buf` sent unordered and unreliable (PR-SCTP, no
  // retransmission), as QUIC datagrams are. It may be lost or arrive out of
  // order, never twice or in part. Keep it within Options().MaxDatagramSize()
  // so that it leaves in one packet; a larger one is fragmented and lost
  // whole if any fragment is. Errors: those of WriteMsg.
  Result<std::size_t> WriteDatagram(std::span<const std::byte> buf, std::uint16_t sid = 0, std::uint32_t ppid = 0);
  // WriteMsg to a given peer address instead of the primary path: sets
  // kAddrOver and uses the association's remote port. `msg_flags` are
  // extra sendmsg flags (MSG_NOSIGNAL is always added).
  Result<std::size_t> WriteMsgExt(std::span<const std::byte> buf, const SndInfo* info, const IpAddr* to,
                                  int msg_flags = 0);

  // ---- addresses
  // Local addresses as bound (a wildcard bind lists every host address),
  // refreshed by BindAdd/BindRemove.
  const SctpAddr& LocalAddr() const noexcept;
  // Peer addresses as of the association start or the last RefreshRemoteAddr().
  const SctpAddr& RemoteAddr() const noexcept;
  // Re-reads the peer's addresses from the kernel (e.g. after PEER_ADDR_CHANGE).
  Result<SctpAddr> RefreshRemoteAddr();
  // Adds/removes local addresses (sctp_bindx); the port must be absent or
  // equal to the bound port. Effect on the peer depends on net.sctp.addip_enable.
  Result<void> BindAdd(std::string_view addresses);
  Result<void> BindAdd(const SctpAddr& addresses);
  Result<void> BindRemove(std::string_view addresses);
  Result<void> BindRemove(const SctpAddr& addresses);

  // ---- deadlines and modes
  Result<void> SetDeadline(Deadline t);
  Result<void> SetReadDeadline(Deadline t);
  Result<void> SetWriteDeadline(Deadline t);
  // Relative forms: a deadline `d` from now (SetDeadline(now + d) on the
  // steady clock), which stays until changed, as Go's
  // SetDeadline(time.Now().Add(d)). Zero or negative: calls that would block
  // fail with Errc::kTimeout at once.
  Result<void> SetDeadlineAfter(std::chrono::nanoseconds d) { return SetDeadline(DeadlineAfter(d)); }
  Result<void> SetReadDeadlineAfter(std::chrono::nanoseconds d) { return SetReadDeadline(DeadlineAfter(d)); }
  Result<void> SetWriteDeadlineAfter(std::chrono::nanoseconds d) { return SetWriteDeadline(DeadlineAfter(d)); }
  Result<void> SetNonBlocking(bool on);

  // ---- options (go-sctp)
  Result<void> SetNoDelay(bool on);
  Result<void> SetDisableFragments(bool on);
  // < 0: graceful close in the background (default); 0: Close aborts (ABORT
  // chunk, unsent data dropped); > 0: Close blocks up to that many seconds.
  Result<void> SetLinger(int seconds);
  Result<int> ReadBufferSize() const;
  Result<int> WriteBufferSize() const;
  Result<void> SetReadBufferSize(int bytes);
  Result<void> SetWriteBufferSize(int bytes);
  // This association's options (see netsctp/assoc.h): the calls below are
  // its calls, and code written against AssocOptions serves endpoints too.
  AssocOptions Options() const noexcept { return {fd(), 0, remote_.port}; }
  // SCTP_STATUS: state, negotiated streams, primary path (named as in Go).
  Result<netsctp::Status> Status() const { return Options().Status(); }
  Result<void> Subscribe(std::initializer_list<EventType> events) { return Options().Subscribe(events); }
  Result<void> Subscribe(std::span<const EventType> events) { return Options().Subscribe(events); }
  Result<void> Unsubscribe(std::initializer_list<EventType> events) { return Options().Unsubscribe(events); }
  Result<void> Unsubscribe(std::span<const EventType> events) { return Options().Unsubscribe(events); }

  // ---- tuning beyond go-sctp (documented in netsctp/assoc.h)
  Result<RtoInfo> GetRtoInfo() const { return Options().GetRtoInfo(); }
  Result<void> SetRtoInfo(const RtoInfo& rto) { return Options().SetRtoInfo(rto); }
  Result<AssocParams> GetAssocParams() const { return Options().GetAssocParams(); }
  Result<void> SetAssocParams(const AssocParams& params) { return Options().SetAssocParams(params); }
  Result<PathParamsInfo> GetPathParams(const IpAddr* peer = nullptr) const { return Options().GetPathParams(peer); }
  Result<void> SetPathParams(const PathParams& params, const IpAddr* peer = nullptr) {
    return Options().SetPathParams(params, peer);
  }
  Result<IpAddr> GetPrimaryAddr() const { return Options().GetPrimaryAddr(); }
  Result<void> SetPrimaryAddr(const IpAddr& peer) { return Options().SetPrimaryAddr(peer); }
  Result<PeerAddrInfo> GetPeerAddrInfo(const IpAddr& peer) const { return Options().GetPeerAddrInfo(peer); }
  Result<std::vector<PeerAddrInfo>> GetPeerAddrInfos() const { return Options().GetPeerAddrInfos(); }
  Result<SndInfo> GetDefaultSndInfo() const { return Options().GetDefaultSndInfo(); }
  Result<void> SetDefaultSndInfo(const SndInfo& info) { return Options().SetDefaultSndInfo(info); }
  Result<void> SetContext(std::uint32_t context) { return Options().SetContext(context); }
  Result<std::uint32_t> GetContext() const { return Options().GetContext(); }

  // ---- completing a non-blocking dial (Dialer::DialStart)
  // Completes the association once fd() has reported POLLOUT or POLLERR:
  // reads the outcome (SO_ERROR) and the association's addresses. Returns
  // std::errc::resource_unavailable_try_again while the association is still
  // starting (call again on the next readiness), the dial's error with its
  // "dial ADDRESS" context when it failed (ECONNREFUSED, ETIMEDOUT once the
  // INIT retries ran out, ...), and success at once on a connection that is
  // already up.
  Result<void> FinishConnect();

  // ---- liveness
  // Whether the association still exists, for one getsockopt and no I/O.
  // Once it has ended (ABORT, COMM_LOST, SHUTDOWN complete) returns why: the
  // errno (ECONNRESET after an abort, ETIMEDOUT after COMM_LOST, ...) or
  // Errc::kEndOfStream after a graceful shutdown; from then on fd() reports
  // POLLIN|POLLRDHUP|POLLHUP and reads and writes fail with that reason once
  // the data still queued has been read. Every read and write makes the same
  // check whenever it fails, so a loop only needs this for a connection it
  // wants to check without reading (e.g. on a timer). Errors: EBADF when closed.
  Result<void> Alive();

  // ---- closing
  // Graceful SHUTDOWN (or ABORT with linger 0, or when unread data remains),
  // then closes the descriptor and wakes blocked calls with Errc::kClosed.
  Result<void> Close();
  // Ends the association at once with an ABORT chunk (data not yet sent or
  // acknowledged is dropped), then closes like Close(). `reason` travels in
  // the ABORT's user-initiated-abort cause where Linux carries one: on a
  // connection peeled off an endpoint (the SCTP_ABORT send flag); a plain
  // one-to-one socket cannot send it (Linux refuses the flag there), so the
  // ABORT goes without it. Returns whether the reason was sent.
  Result<bool> Abort(std::span<const std::byte> reason = {});
  // A bounded graceful close: starts SHUTDOWN (everything sent is delivered
  // and acknowledged first), waits until it completes or `limit` passes, then
  // aborts; closes the descriptor either way. Data that arrives meanwhile is
  // read and dropped. Returns which of the two happened.
  enum class CloseOutcome { kGraceful, kAborted };
  Result<CloseOutcome> CloseWithin(std::chrono::milliseconds limit);
  // SHUT_RD: no more reads; no protocol action.
  Result<void> CloseRead();
  // SHUT_WR: starts a full SCTP shutdown (there is no half-close in SCTP);
  // the peer reads end of stream. Keep reading for undelivered data and
  // events: reads end with Errc::kEndOfStream once the association is gone.
  Result<void> CloseWrite();

 private:
  friend class SctpListener;
  friend class Dialer;
  friend class SctpEndpoint;
  explicit SctpConn(std::unique_ptr<internal::FdCore> core);
  Result<void> InitAddrs();
  // FinishConnect without the error context.
  Result<void> CompleteConnect();
  const SndInfo* WithStreamPolicy(const SndInfo* info, SndInfo& adjusted) const noexcept;
  Result<void> Bind(std::string_view addresses, int flags);
  Result<void> Bind(const SctpAddr& addresses, int flags);

  std::unique_ptr<internal::FdCore> core_;
  SctpAddr local_;
  SctpAddr remote_;    // while connecting: the addresses dialed
  bool connecting_ = false;
  std::unique_ptr<internal::PartialMsg> partial_;  // see ReadFullMsg
  std::vector<std::optional<StreamPolicy>> stream_policy_;  // by sid, see SetStreamPolicy
};

}  // namespace netsctp
