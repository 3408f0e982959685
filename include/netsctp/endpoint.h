// netsctp/endpoint.h: SctpEndpoint, a one-to-many SCTP socket.
//
// One socket (SOCK_SEQPACKET), bound to one multi-homed address, carrying
// any number of associations: those peers start (when it listens), those
// Connect starts, and those a first message to a new address starts. Every
// message read says which association it belongs to and where it came from;
// every write names an association or a destination. An association can be
// peeled off into its own SctpConn (PeelOff) to be served by a thread or
// loop of its own.
//
// Reads and writes work as SctpConn's (same waits, deadlines, Close waking
// blocked calls, non-blocking mode, readiness through fd(); no allocation on
// the data path), with two differences: an endpoint never "ends" (associations
// come and go: watch ASSOC_CHANGE events, subscribed by default), and a
// message being delivered in pieces holds back every other association's
// messages until its last piece is read (Linux's default partial-delivery
// rule on one-to-many sockets), so ReadFullMsg and ReadMsgOrEvent never mix
// pieces of two messages.
//
// Per-association options are AssocOptions (netsctp/assoc.h), the same
// implementation SctpConn uses: Assoc(id) for one association, Defaults() for
// those made later.
//
// Thread safety: as SctpConn: one reader and one writer at a time, Close() and
// the deadline setters from any thread; AssocOptions views from any thread.
// A moved-from or closed SctpEndpoint answers every call with
// std::errc::bad_file_descriptor.
#pragma once

#include <chrono>
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
#include "netsctp/conn.h"
#include "netsctp/event.h"
#include "netsctp/info.h"
#include "netsctp/listener.h"
#include "netsctp/result.h"
#include "netsctp/sockopt.h"

namespace netsctp {

namespace internal {
class FdCore;
struct PartialMsg;
struct RawPeer;
}  // namespace internal

// One read on an endpoint: the message (or event) and its association.
struct EndpointMsg {
  Message msg;                 // as SctpConn::ReadMsg; msg.info for data
  std::optional<Event> event;  // ReadMsgOrEvent only: set for a notification
  // The association: RcvInfo's for data; for a notification read whole, the
  // event's (0 for a notification piece that does not hold the whole event).
  std::int32_t assoc_id = 0;
  // The peer address the message came from; for a notification, the
  // association's primary peer address.
  IpAddr from;
  std::uint16_t port = 0;

  bool IsEvent() const noexcept { return msg.Notification(); }
};

class SctpEndpoint {
 public:
  SctpEndpoint() noexcept;  // empty: every call fails with bad_file_descriptor
  SctpEndpoint(SctpEndpoint&&) noexcept;
  SctpEndpoint& operator=(SctpEndpoint&&) noexcept;
  SctpEndpoint(const SctpEndpoint&) = delete;
  SctpEndpoint& operator=(const SctpEndpoint&) = delete;
  ~SctpEndpoint();  // Close(), ignoring errors

  int fd() const noexcept;
  bool IsOpen() const noexcept { return fd() >= 0; }
  // Gives up ownership of the descriptor (still open, non-blocking); -1 when empty.
  int Release() noexcept;
  // The bound addresses; with port 0 asked, the port the kernel chose.
  const SctpAddr& Addr() const noexcept;
  Result<void> BindAdd(std::string_view addresses);
  Result<void> BindAdd(const SctpAddr& addresses);
  Result<void> BindRemove(std::string_view addresses);
  Result<void> BindRemove(const SctpAddr& addresses);

  // ---- data
  // Reads one message, or its next piece when it does not fit (EOR on the
  // last piece); notifications come flagged kNotification. Blocks until data,
  // the read deadline (Errc::kTimeout) or Close (Errc::kClosed); EAGAIN in
  // non-blocking mode.
  Result<EndpointMsg> ReadMsg(std::span<std::byte> buf);
  // Reads a whole message: as SctpConn::ReadFullMsg (kMessageTooLarge,
  // kMessageAborted, a message cut short by EAGAIN or the deadline kept for
  // the next call).
  Result<EndpointMsg> ReadFullMsg(std::span<std::byte> buf);
  // The common loop's read: ReadFullMsg plus the parsed event of a
  // notification (EndpointMsg::event) and its association id.
  Result<EndpointMsg> ReadMsgOrEvent(std::span<std::byte> buf);

  // Sends `buf` as one message on association info.assoc_id, on info.sid
  // with info.ppid and info.flags. Errors: Errc::kUnknownAssoc (context names
  // the id) when no such association exists; EPIPE while it shuts down;
  // EINVAL for an empty message or a stream at or above its outbound count
  // (the context says which, and names the association); EMSGSIZE; EAGAIN in
  // non-blocking mode. Blocks while the send buffer is full.
  Result<std::size_t> WriteMsg(std::span<const std::byte> buf, const SndInfo& info);
  // WriteMsg to one peer address of association info.assoc_id instead of its
  // primary path (kAddrOver). The address is checked first (one getsockopt):
  // Errc::kNoSuitableAddress, naming it, when it is not a peer address of
  // that association.
  Result<std::size_t> WriteMsgTo(std::span<const std::byte> buf, const SndInfo& info, const IpAddr& to);
  // Sends `buf` to `dest`: on the association that has dest's first address
  // as a peer address, or on a new association to every address of `dest`
  // (the implicit set-up: INIT carries the message with the COOKIE-ECHO;
  // learn its id from the COMM_UP event or FindAssoc). info.assoc_id is
  // ignored. At most 8 addresses.
  Result<std::size_t> SendTo(std::span<const std::byte> buf, const SctpAddr& dest, const SndInfo* info = nullptr);
  // The same sends for text (a literal without its NUL) and any ByteRange
  // (netsctp/bytes.h), as SctpConn's.
  template <ByteRange R>
  Result<std::size_t> WriteMsg(const R& data, const SndInfo& info) { return WriteMsg(AsBytes(data), info); }
  Result<std::size_t> WriteMsg(std::string_view text, const SndInfo& info) { return WriteMsg(AsBytes(text), info); }
  template <ByteRange R>
  Result<std::size_t> SendTo(const R& data, const SctpAddr& dest, const SndInfo* info = nullptr) {
    return SendTo(AsBytes(data), dest, info);
  }
  Result<std::size_t> SendTo(std::string_view text, const SctpAddr& dest, const SndInfo* info = nullptr) {
    return SendTo(AsBytes(text), dest, info);
  }

  // ---- associations
  // Starts an association to every address of `raddr` (sctp_connectx) and
  // returns its id at once; it comes up in the background: its COMM_UP (or
  // CANT_STR_ASSOC) event carries the id, writes to it meanwhile are queued.
  // Errors: address errors, EADDRNOTAVAIL/ENETUNREACH..., EISCONN when
  // an association to that peer exists already (context names the address).
  Result<std::int32_t> Connect(std::string_view address);
  Result<std::int32_t> Connect(const SctpAddr& raddr);
  // The id of the association whose peer has address `ip` and port `port`.
  // Errors: Errc::kUnknownAssoc when there is none.
  Result<std::int32_t> FindAssoc(const IpAddr& ip, std::uint16_t port) const;
  // The ids of the current associations (SCTP_GET_ASSOC_ID_LIST).
  Result<std::vector<std::int32_t>> Assocs() const;
  // The options of association `id` (its peer addresses are read once to
  // check it exists). Errors: Errc::kUnknownAssoc.
  Result<AssocOptions> Assoc(std::int32_t id) const;
  // The options that associations made from now on start with (RTO,
  // association and path parameters, default send info, context,
  // subscriptions); changes leave current associations alone.
  AssocOptions Defaults() const noexcept;
  // Graceful SHUTDOWN of association `id` (SCTP_EOF); its SHUTDOWN_COMP
  // event follows. Errors: Errc::kUnknownAssoc.
  Result<void> Shutdown(std::int32_t id);
  // ABORT of association `id` (SCTP_ABORT), pending data dropped. `reason`
  // (at most the send buffer) travels in the ABORT's user-initiated abort
  // cause: the peer reads it in its COMM_LOST event (cause 12, then the
  // bytes). Errors: Errc::kUnknownAssoc.
  Result<void> Abort(std::int32_t id, std::span<const std::byte> reason = {});
  // SCTP_AUTOCLOSE: associations idle (nothing sent or received) for
  // `idle` are shut down gracefully; zero turns it off. Whole seconds.
  Result<void> SetAutoclose(std::chrono::seconds idle);
  Result<std::chrono::seconds> Autoclose() const;
  // Moves association `id` to a one-to-one socket of its own and returns it
  // as a connection (close-on-exec and non-blocking from birth), keeping its
  // options and subscriptions; its messages not yet read move with it. The
  // connection is in blocking mode (SetNonBlocking to change). Linux tells a
  // peeled socket of a graceful end only by the ASSOC_CHANGE event: the
  // connection ends when it reads that event, and its blocked calls re-check
  // the association every 500 ms (keep ASSOC_CHANGE subscribed for epoll).
  // Errors: Errc::kUnknownAssoc.
  Result<SctpConn> PeelOff(std::int32_t id);

  // ---- events, deadlines, modes
  // Subscriptions of every association, current and future (per association:
  // Assoc(id)->Subscribe).
  Result<void> Subscribe(std::initializer_list<EventType> events);
  Result<void> Subscribe(std::span<const EventType> events);
  Result<void> Unsubscribe(std::initializer_list<EventType> events);
  Result<void> Unsubscribe(std::span<const EventType> events);
  Result<void> SetDeadline(Deadline t);
  Result<void> SetReadDeadline(Deadline t);
  Result<void> SetWriteDeadline(Deadline t);
  Result<void> SetNonBlocking(bool on);

  // Shuts every association down gracefully (ABORT for those with unread
  // data), closes the descriptor and wakes blocked calls with Errc::kClosed.
  Result<void> Close();

 private:
  friend class EndpointConfig;
  explicit SctpEndpoint(std::unique_ptr<internal::FdCore> core);
  Result<void> Bind(const SctpAddr& addresses, int flags);
  Result<void> Bind(std::string_view addresses, int flags);
  Result<std::size_t> Send(std::span<const std::byte> buf, const SndInfo& info, const sockaddr* to,
                           socklen_t to_len, std::span<const IpAddr> more, const char* what);
  static Result<EndpointMsg> Finish(Result<Message> m, std::span<const std::byte> buf, const internal::RawPeer& from);
  Error AssocError(std::int32_t id, const Error& e, const char* what) const;

  std::unique_ptr<internal::FdCore> core_;
  SctpAddr addr_;
  int family_ = 0;  // AF_INET or AF_INET6
  std::unique_ptr<internal::PartialMsg> partial_;  // see ReadFullMsg
};

// Options for opening an endpoint.
class EndpointConfig {
 public:
  ControlHook control;
  InitOptions init_options;  // streams and INIT limits of every association
  // Subscribed before bind, for every association; ASSOC_CHANGE and SHUTDOWN
  // by default, so a server learns of associations coming and going.
  std::vector<EventType> events{EventType::kAssocChange, EventType::kShutdown};
  // Accept associations that peers start; false: only Connect and SendTo.
  bool listen = true;
  int backlog = 4096;                    // capped by net.core.somaxconn
  std::chrono::seconds autoclose{0};     // see SctpEndpoint::SetAutoclose
  bool reuse_port = false;               // SO_REUSEPORT, as ListenConfig's

  // Opens an endpoint bound to `address` ("h1/h2:port"; an empty host binds
  // every local address; port 0 picks one, see Addr()). Networks as for
  // Listen: sctp, sctp4, sctp6.
  Result<SctpEndpoint> Open(std::string_view network, std::string_view address) const;
  Result<SctpEndpoint> OpenSctp(std::string_view network, const SctpAddr& laddr) const;
};

// EndpointConfig{}.Open: a listening endpoint.
Result<SctpEndpoint> OpenEndpoint(std::string_view network, std::string_view address);

}  // namespace netsctp
