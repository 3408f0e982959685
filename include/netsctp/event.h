// netsctp/event.h: typed SCTP notifications (events) and their parser.
//
// The kernel reports association events (COMM_UP, COMM_LOST, path failover,
// SHUTDOWN, SENDER_DRY, ...) as notifications read inline with data: a read
// with RecvFlags::kNotification set returns the bytes of one notification, and
// ParseEvent turns them into an Event, a std::variant with one struct per
// notification type the Linux uapi defines (all 13; go-sctp parses 7).
//
//   Result<Event> ev = ParseEvent(std::span(buf).first(msg.n));
//   if (!ev) { log(ev.error().message()); continue; }
//   if (auto* ac = std::get_if<AssocChangeEvent>(&*ev);
//       ac && ac->state == AssocChangeState::kCommLost) Reconnect();
//
// Byte order: every field is in host order. Where Linux hands over a value in
// network order (the PPID of undelivered messages, the SCTP error cause code in
// ASSOC_CHANGE, REMOTE_ERROR and both send-failed events) ParseEvent converts
// it, so `error == CauseCode::kUserAbort` and `snd_info.ppid == 60` hold as
// written.
//
// Lifetime: variable-length payloads (ASSOC_CHANGE info, REMOTE_ERROR data,
// send-failed data, the STREAM_RESET stream list) are views into the buffer
// given to ParseEvent: nothing is copied, and an Event that holds one must not
// outlive that buffer. Copy the bytes out (std::vector(d.begin(), d.end())) to
// keep them.
//
// Enums are values, not guarantees: a state, code or flag the library does not
// know keeps its number (static_cast<std::uint32_t>(ev.state)) and renders as a
// number.
//
// Thread safety: all functions are pure (no shared state); events are value
// types (distinct objects are safe, shared objects safe for concurrent reads).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "netsctp/addr.h"
#include "netsctp/info.h"
#include "netsctp/result.h"

namespace netsctp {

// Notification types: the kernel's sn_type values (enum sctp_sn_type), so a
// value can be passed straight to SCTP_EVENT. 0x8000 (SCTP_DATA_IO_EVENT) is a
// subscription for receive info, never a notification, and is not listed.
enum class EventType : std::uint16_t {
  kAssocChange = 0x8001,            // SCTP_ASSOC_CHANGE
  kPeerAddrChange = 0x8002,         // SCTP_PEER_ADDR_CHANGE
  kSendFailed = 0x8003,             // SCTP_SEND_FAILED (legacy layout, LegacySendFailedEvent)
  kRemoteError = 0x8004,            // SCTP_REMOTE_ERROR
  kShutdown = 0x8005,               // SCTP_SHUTDOWN_EVENT
  kPartialDelivery = 0x8006,        // SCTP_PARTIAL_DELIVERY_EVENT
  kAdaptationIndication = 0x8007,   // SCTP_ADAPTATION_INDICATION
  kAuthentication = 0x8008,         // SCTP_AUTHENTICATION_EVENT
  kSenderDry = 0x8009,              // SCTP_SENDER_DRY_EVENT
  kStreamReset = 0x800a,            // SCTP_STREAM_RESET_EVENT
  kAssocReset = 0x800b,             // SCTP_ASSOC_RESET_EVENT
  kStreamChange = 0x800c,           // SCTP_STREAM_CHANGE_EVENT
  kSendFailedEvent = 0x800d,        // SCTP_SEND_FAILED_EVENT (current layout, SendFailedEvent)
};

// Every notification type, in kernel order: "subscribe to everything".
inline constexpr std::array<EventType, 13> kAllEventTypes{
    EventType::kAssocChange,      EventType::kPeerAddrChange,        EventType::kSendFailed,
    EventType::kRemoteError,      EventType::kShutdown,              EventType::kPartialDelivery,
    EventType::kAdaptationIndication, EventType::kAuthentication,    EventType::kSenderDry,
    EventType::kStreamReset,      EventType::kAssocReset,            EventType::kStreamChange,
    EventType::kSendFailedEvent,
};

// sac_state of ASSOC_CHANGE (enum sctp_sac_state).
enum class AssocChangeState : std::uint16_t {
  kCommUp = 0,        // association established: data may flow
  kCommLost = 1,      // association failed (peer ABORT, retransmission limit): reconnect
  kRestart = 2,       // the peer restarted: its state (e.g. registrations) is gone
  kShutdownComp = 3,  // graceful shutdown completed
  kCantStrAssoc = 4,  // association setup failed (dial side)
};

// spc_state of PEER_ADDR_CHANGE (enum sctp_spc_state).
enum class PeerAddrState : std::int32_t {
  kAvailable = 0,           // path reachable again
  kUnreachable = 1,         // path failed: traffic moved to another address
  kRemoved = 2,             // address removed from the association (ASCONF)
  kAdded = 3,               // address added to the association (ASCONF)
  kMadePrim = 4,            // address became the primary path
  kConfirmed = 5,           // address confirmed by a heartbeat
  kPotentiallyFailed = 6,   // path potentially failed (SCTP-PF)
};

// ssf_flags of both send-failed events (enum sctp_ssf_flags): a value, not bits.
enum class SendFailedFlags : std::uint16_t {
  kDataUnsent = 0,  // never put on the wire
  kDataSent = 1,    // put on the wire; delivery unknown
};

// The DATA chunk fragment bits the kernel reports in the send info of an
// undelivered message: which part of the message `data` holds.
enum class DataFragFlags : std::uint16_t {
  kMiddleFrag = 0,  // a middle piece
  kLastFrag = 1,    // the tail: the first part was sent
  kFirstFrag = 2,   // the first piece
  kNotFrag = 3,     // the whole message
};

// pdapi_indication of PARTIAL_DELIVERY_EVENT.
enum class PartialDeliveryIndication : std::uint32_t {
  kAborted = 0,  // the partially delivered message will never be completed
};

// auth_indication of AUTHENTICATION_EVENT.
enum class AuthIndication : std::uint32_t {
  kNewKey = 0,   // keynumber became the active key
  kFreeKey = 1,  // keynumber is no longer used and may be deleted
  kNoAuth = 2,   // the peer does not support AUTH
};

// strreset_flags of STREAM_RESET_EVENT: bits.
enum class StreamResetFlags : std::uint16_t {
  kNone = 0,
  kIncoming = 0x0001,  // SCTP_STREAM_RESET_INCOMING_SSN
  kOutgoing = 0x0002,  // SCTP_STREAM_RESET_OUTGOING_SSN
  kDenied = 0x0004,    // the peer refused
  kFailed = 0x0008,    // the request failed
};

// assocreset_flags of ASSOC_RESET_EVENT: bits.
enum class AssocResetFlags : std::uint16_t {
  kNone = 0,
  kDenied = 0x0004,
  kFailed = 0x0008,
};

// strchange_flags of STREAM_CHANGE_EVENT: bits.
enum class StreamChangeFlags : std::uint16_t {
  kNone = 0,
  kDenied = 0x0004,
  kFailed = 0x0008,
};

constexpr StreamResetFlags operator|(StreamResetFlags a, StreamResetFlags b) noexcept {
  return static_cast<StreamResetFlags>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
constexpr AssocResetFlags operator|(AssocResetFlags a, AssocResetFlags b) noexcept {
  return static_cast<AssocResetFlags>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
constexpr StreamChangeFlags operator|(StreamChangeFlags a, StreamChangeFlags b) noexcept {
  return static_cast<StreamChangeFlags>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
// True when every bit of `bit` is set in `flags`.
constexpr bool Has(StreamResetFlags flags, StreamResetFlags bit) noexcept {
  return (static_cast<std::uint16_t>(flags) & static_cast<std::uint16_t>(bit)) == static_cast<std::uint16_t>(bit);
}
constexpr bool Has(AssocResetFlags flags, AssocResetFlags bit) noexcept {
  return (static_cast<std::uint16_t>(flags) & static_cast<std::uint16_t>(bit)) == static_cast<std::uint16_t>(bit);
}
constexpr bool Has(StreamChangeFlags flags, StreamChangeFlags bit) noexcept {
  return (static_cast<std::uint16_t>(flags) & static_cast<std::uint16_t>(bit)) == static_cast<std::uint16_t>(bit);
}

// SCTP error cause codes (RFC 9260 3.3.10, RFC 5061, RFC 4895), as carried in
// ABORT and ERROR chunks and reported in error fields. kNone: no cause.
enum class CauseCode : std::uint16_t {
  kNone = 0,
  kInvalidStreamId = 1,
  kMissingParam = 2,
  kStaleCookie = 3,
  kOutOfResource = 4,
  kUnresolvableAddress = 5,
  kUnrecognizedChunk = 6,
  kInvalidParam = 7,
  kUnrecognizedParams = 8,
  kNoUserData = 9,
  kCookieInShutdown = 10,
  kRestartNewAddresses = 11,
  kUserAbort = 12,
  kProtocolViolation = 13,
  kDeleteLastAddress = 0x00a0,
  kResourceShortage = 0x00a1,
  kDeleteSourceAddress = 0x00a2,
  kIllegalAsconfAck = 0x00a3,
  kNoAuthorization = 0x00a4,
  kUnsupportedHmac = 0x0105,
};

// The extensions a peer supports, one byte each in the ASSOC_CHANGE info of
// COMM_UP and RESTART (RFC 6458 6.1.1, SCTP_ASSOC_SUPPORTS_*).
enum class AssocExtension : std::uint8_t {
  kPr = 1,            // partial reliability (PR-SCTP)
  kAuth = 2,          // chunk authentication
  kAsconf = 3,        // dynamic address reconfiguration
  kMultibuf = 4,      // multiple buffers
  kReConfig = 5,      // stream reconfiguration (RFC 6525)
  kInterleaving = 6,  // user message interleaving (I-DATA)
};

// One error cause: its code (host order) and its cause-specific information,
// without the 4-byte cause header and without padding. `info` points into the
// buffer given to ParseEvent.
struct ErrorCause {
  CauseCode code = CauseCode::kNone;
  std::span<const std::byte> info;
};

// SCTP_ASSOC_CHANGE (struct sctp_assoc_change): an association started, ended
// or restarted. Go: AssocChangeEvent.
struct AssocChangeEvent {
  static constexpr EventType kType = EventType::kAssocChange;

  AssocChangeState state = AssocChangeState::kCommUp;
  // The error cause behind COMM_LOST/CANT_STR_ASSOC (e.g. kUserAbort when the
  // peer aborted), kNone otherwise. Linux stores the code as it appears on the
  // wire; ParseEvent converts it to host order.
  CauseCode error = CauseCode::kNone;
  std::uint16_t outbound_streams = 0;  // negotiated: the sid bound for WriteMsg
  std::uint16_t inbound_streams = 0;
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // sac_flags: unused by Linux (0)
  // sac_info, a view into the parsed buffer. COMM_UP/RESTART: one
  // AssocExtension per byte (Linux up to at least 6.1 sends none). COMM_LOST
  // after a peer ABORT: the ABORT chunk's error causes (Linux gives the chunk
  // body, without the 4-byte chunk header).
  std::span<const std::byte> info;

  // True when the state is COMM_UP or RESTART and `info` lists `ext`.
  bool Supports(AssocExtension ext) const noexcept;
  // The first error cause of the ABORT chunk in `info` (COMM_LOST and
  // CANT_STR_ASSOC only); nullopt when there is none or it is malformed
  // (shorter than its 4-byte header or longer than `info`).
  std::optional<ErrorCause> AbortCause() const noexcept;
};

// SCTP_PEER_ADDR_CHANGE (struct sctp_paddr_change): a peer address changed
// state (path failover, ASCONF). Go: PeerAddrChangeEvent.
struct PeerAddrChangeEvent {
  static constexpr EventType kType = EventType::kPeerAddrChange;

  IpAddr addr;  // the affected peer address (IPv4-mapped is reported as IPv4)
  std::uint16_t port = 0;
  PeerAddrState state = PeerAddrState::kAvailable;
  // spc_error: the kernel's reason (enum sctp_sn_error: 0 failed threshold or
  // none, 1 received SACK, 2 heartbeat success, 3 response to user request,
  // ...). Kept as a number because 0 also means "no error".
  std::int32_t error = 0;
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // spc_flags: unused by Linux (0)

  // The address as an SctpAddr with one host: "192.0.2.2:36412".
  SctpAddr Address() const { return SctpAddr{{addr}, port}; }
};

// SCTP_REMOTE_ERROR (struct sctp_remote_error): the peer sent an ERROR chunk.
// Go: RemoteErrorEvent.
struct RemoteErrorEvent {
  static constexpr EventType kType = EventType::kRemoteError;

  CauseCode error = CauseCode::kNone;  // host order (the uapi field is __be16)
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // sre_flags: unused by Linux (0)
  // The cause-specific information of the error cause (Linux strips the
  // 4-byte cause header; it may end in padding). A view into the buffer.
  std::span<const std::byte> data;
};

// SCTP_SEND_FAILED_EVENT (struct sctp_send_failed_event): a message could not
// be delivered; `data` holds it (or its undelivered tail). Go: SendFailedEvent.
struct SendFailedEvent {
  static constexpr EventType kType = EventType::kSendFailedEvent;

  SendFailedFlags flags = SendFailedFlags::kDataUnsent;
  // The SCTP error cause code, host order (Linux stores the wire-order 16-bit
  // code; values above 0xffff, which Linux never produces, are kept as is).
  std::uint32_t error = 0;
  // How the message was sent: sid, ppid (host order), context, assoc_id as
  // given to WriteMsg. snd_info.flags holds DataFragFlags bits (see Frag()).
  SndInfo snd_info;
  std::int32_t assoc_id = 0;
  std::span<const std::byte> data;  // the undelivered bytes: a view into the buffer

  DataFragFlags Frag() const noexcept {
    return static_cast<DataFragFlags>(static_cast<std::uint16_t>(snd_info.flags) & 0x3u);
  }
  CauseCode Cause() const noexcept { return static_cast<CauseCode>(error & 0xffffu); }
};

// struct sctp_sndrcvinfo as carried by the legacy SEND_FAILED notification.
struct SndRcvInfo {
  std::uint16_t stream = 0;
  std::uint16_t ssn = 0;
  std::uint16_t flags = 0;  // DataFragFlags bits of the undelivered piece
  std::uint32_t ppid = 0;   // host order
  std::uint32_t context = 0;
  std::uint32_t timetolive = 0;
  std::uint32_t tsn = 0;
  std::uint32_t cumtsn = 0;
  std::int32_t assoc_id = 0;

  friend bool operator==(const SndRcvInfo&, const SndRcvInfo&) = default;
};

// SCTP_SEND_FAILED (struct sctp_send_failed): the legacy form of SendFailedEvent,
// delivered when subscribed to EventType::kSendFailed.
struct LegacySendFailedEvent {
  static constexpr EventType kType = EventType::kSendFailed;

  SendFailedFlags flags = SendFailedFlags::kDataUnsent;
  std::uint32_t error = 0;  // as SendFailedEvent::error
  SndRcvInfo info;
  std::int32_t assoc_id = 0;
  std::span<const std::byte> data;  // a view into the buffer

  DataFragFlags Frag() const noexcept { return static_cast<DataFragFlags>(info.flags & 0x3u); }
  CauseCode Cause() const noexcept { return static_cast<CauseCode>(error & 0xffffu); }
};

// SCTP_SHUTDOWN_EVENT: the peer sent SHUTDOWN; stop sending. Go: ShutdownEvent.
struct ShutdownEvent {
  static constexpr EventType kType = EventType::kShutdown;
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // unused by Linux (0)
};

// SCTP_PARTIAL_DELIVERY_EVENT (struct sctp_pdapi_event): a partially delivered
// message was aborted; the pieces already read will never be completed.
struct PartialDeliveryEvent {
  static constexpr EventType kType = EventType::kPartialDelivery;
  PartialDeliveryIndication indication = PartialDeliveryIndication::kAborted;
  // Stream and sequence number (or message id) of the aborted message. Linux
  // 6.1 fills them only with message interleaving (I-DATA); otherwise 0.
  std::uint32_t stream = 0;
  std::uint32_t seq = 0;
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // unused by Linux (0)
};

// SCTP_ADAPTATION_INDICATION: the peer's Adaptation Layer Indication (RFC 5061).
// Go: AdaptationEvent.
struct AdaptationEvent {
  static constexpr EventType kType = EventType::kAdaptationIndication;
  std::uint32_t adaptation_ind = 0;  // host order
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // unused by Linux (0)
};

// SCTP_AUTHENTICATION_EVENT (struct sctp_authkey_event): key changes, or that
// the peer does not support AUTH.
struct AuthenticationEvent {
  static constexpr EventType kType = EventType::kAuthentication;
  std::uint16_t keynumber = 0;
  std::uint16_t altkeynumber = 0;  // the kernel's name; unused by Linux (0)
  AuthIndication indication = AuthIndication::kNewKey;
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // unused by Linux (0)
};

// SCTP_SENDER_DRY_EVENT: nothing left to send or retransmit (fires at once on
// subscription when idle). Go: SenderDryEvent.
struct SenderDryEvent {
  static constexpr EventType kType = EventType::kSenderDry;
  std::int32_t assoc_id = 0;
  std::uint16_t flags = 0;  // unused by Linux (0)
};

// A read-only list of 16-bit stream ids in host order, viewing the parsed
// buffer (not copied). Iterable: for (std::uint16_t sid : ev.streams).
class StreamList {
 public:
  class Iterator {
   public:
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;  // operator* yields a value
    using value_type = std::uint16_t;
    using difference_type = std::ptrdiff_t;
    using reference = std::uint16_t;
    using pointer = void;

    Iterator() = default;
    std::uint16_t operator*() const noexcept {
      std::uint16_t v;
      std::memcpy(&v, p_, sizeof v);
      return v;
    }
    Iterator& operator++() noexcept {
      p_ += sizeof(std::uint16_t);
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iterator&, const Iterator&) = default;

   private:
    friend class StreamList;
    explicit Iterator(const std::byte* p) noexcept : p_(p) {}
    const std::byte* p_ = nullptr;
  };

  StreamList() = default;
  // `bytes` holds size()/2 ids; an odd last byte is ignored.
  explicit StreamList(std::span<const std::byte> bytes) noexcept
      : bytes_(bytes.first(bytes.size() & ~std::size_t{1})) {}

  std::size_t size() const noexcept { return bytes_.size() / sizeof(std::uint16_t); }
  bool empty() const noexcept { return bytes_.empty(); }
  // Precondition: i < size().
  std::uint16_t operator[](std::size_t i) const noexcept {
    std::uint16_t v;
    std::memcpy(&v, bytes_.data() + i * sizeof v, sizeof v);
    return v;
  }
  Iterator begin() const noexcept { return Iterator(bytes_.data()); }
  Iterator end() const noexcept { return Iterator(bytes_.data() + bytes_.size()); }
  std::span<const std::byte> bytes() const noexcept { return bytes_; }

 private:
  std::span<const std::byte> bytes_;
};

// SCTP_STREAM_RESET_EVENT (struct sctp_stream_reset_event): streams were reset
// (RFC 6525). An empty list means all streams.
struct StreamResetEvent {
  static constexpr EventType kType = EventType::kStreamReset;
  StreamResetFlags flags = StreamResetFlags::kNone;
  std::int32_t assoc_id = 0;
  StreamList streams;  // a view into the buffer
};

// SCTP_ASSOC_RESET_EVENT (struct sctp_assoc_reset_event): the TSNs were reset.
struct AssocResetEvent {
  static constexpr EventType kType = EventType::kAssocReset;
  AssocResetFlags flags = AssocResetFlags::kNone;
  std::int32_t assoc_id = 0;
  // As Linux 6.1 fills them (on both sides, the reverse of RFC 6525's
  // wording): local_tsn is the next TSN this side will receive, remote_tsn
  // the next TSN it will send.
  std::uint32_t local_tsn = 0;
  std::uint32_t remote_tsn = 0;
};

// SCTP_STREAM_CHANGE_EVENT (struct sctp_stream_change_event): streams were
// added. Linux 6.1 reports how many were added in the direction of the
// request (0 for the other direction), not the new totals: the requester of
// 3 outgoing streams sees outstrms=3, instrms=0, its peer instrms=3, outstrms=0.
struct StreamChangeEvent {
  static constexpr EventType kType = EventType::kStreamChange;
  StreamChangeFlags flags = StreamChangeFlags::kNone;
  std::int32_t assoc_id = 0;
  std::uint16_t instrms = 0;
  std::uint16_t outstrms = 0;
};

// One parsed notification: switch on TypeOf() or visit it.
using Event = std::variant<AssocChangeEvent, PeerAddrChangeEvent, LegacySendFailedEvent,
                           RemoteErrorEvent, ShutdownEvent, PartialDeliveryEvent, AdaptationEvent,
                           AuthenticationEvent, SenderDryEvent, StreamResetEvent, AssocResetEvent,
                           StreamChangeEvent, SendFailedEvent>;

// The type of a parsed event.
inline EventType TypeOf(const Event& ev) noexcept {
  return std::visit([](const auto& e) { return std::remove_cvref_t<decltype(e)>::kType; }, ev);
}

// The association an event belongs to (every notification carries its id).
inline std::int32_t AssocIdOf(const Event& ev) noexcept {
  return std::visit([](const auto& e) { return e.assoc_id; }, ev);
}

// Parses one complete notification (the bytes of a read that had
// RecvFlags::kNotification and kEor set). Reads only the header's own length
// (sn_length) and ignores bytes after it. Never reads outside `bytes`.
// Checks: at least the 8-byte header; 8 <= sn_length <= bytes.size(); sn_length
// at least the type's fixed size (a longer fixed-size notification is accepted,
// the extra bytes ignored); the STREAM_RESET list a whole number of 16-bit ids;
// the PEER_ADDR_CHANGE address AF_INET or AF_INET6.
// Errors: Errc::kMalformed (context names the type and the lengths, e.g.
// "ASSOC_CHANGE notification: length 12 < 20"); Errc::kUnknownEventType (context
// carries the type number).
// The result may hold views into `bytes` (see the file comment).
Result<Event> ParseEvent(std::span<const std::byte> bytes);
// The same over raw memory, e.g. a char buffer.
Result<Event> ParseEvent(const void* data, std::size_t size);

// Names as in the uapi without "SCTP_": "ASSOC_CHANGE", "COMM_UP", "UNREACHABLE",
// "DATA_SENT", "ABORTED", "NO_AUTH", "USER_ABORT", "PR". "" for a value the
// library does not know.
std::string_view Name(EventType t) noexcept;
std::string_view Name(AssocChangeState s) noexcept;
std::string_view Name(PeerAddrState s) noexcept;
std::string_view Name(SendFailedFlags f) noexcept;
std::string_view Name(DataFragFlags f) noexcept;
std::string_view Name(PartialDeliveryIndication i) noexcept;
std::string_view Name(AuthIndication i) noexcept;
std::string_view Name(CauseCode c) noexcept;
std::string_view Name(AssocExtension e) noexcept;

// One readable line per event, for logs and the CLI:
//   "ASSOC_CHANGE COMM_UP outbound=10 inbound=10 assoc=3 supports=PR,AUTH"
//   "PEER_ADDR_CHANGE 192.0.2.2:36412 UNREACHABLE error=0 assoc=3"
// Unknown enum values appear as numbers. Payload bytes are counted, never printed.
std::string ToString(EventType t);
std::string ToString(const Event& ev);
std::string ToString(const AssocChangeEvent& ev);
std::string ToString(const PeerAddrChangeEvent& ev);
std::string ToString(const LegacySendFailedEvent& ev);
std::string ToString(const RemoteErrorEvent& ev);
std::string ToString(const ShutdownEvent& ev);
std::string ToString(const PartialDeliveryEvent& ev);
std::string ToString(const AdaptationEvent& ev);
std::string ToString(const AuthenticationEvent& ev);
std::string ToString(const SenderDryEvent& ev);
std::string ToString(const StreamResetEvent& ev);
std::string ToString(const AssocResetEvent& ev);
std::string ToString(const StreamChangeEvent& ev);
std::string ToString(const SendFailedEvent& ev);

// Streams ToString(x).
std::ostream& operator<<(std::ostream& os, EventType t);
std::ostream& operator<<(std::ostream& os, const Event& ev);
std::ostream& operator<<(std::ostream& os, const AssocChangeEvent& ev);
std::ostream& operator<<(std::ostream& os, const PeerAddrChangeEvent& ev);
std::ostream& operator<<(std::ostream& os, const LegacySendFailedEvent& ev);
std::ostream& operator<<(std::ostream& os, const RemoteErrorEvent& ev);
std::ostream& operator<<(std::ostream& os, const ShutdownEvent& ev);
std::ostream& operator<<(std::ostream& os, const PartialDeliveryEvent& ev);
std::ostream& operator<<(std::ostream& os, const AdaptationEvent& ev);
std::ostream& operator<<(std::ostream& os, const AuthenticationEvent& ev);
std::ostream& operator<<(std::ostream& os, const SenderDryEvent& ev);
std::ostream& operator<<(std::ostream& os, const StreamResetEvent& ev);
std::ostream& operator<<(std::ostream& os, const AssocResetEvent& ev);
std::ostream& operator<<(std::ostream& os, const StreamChangeEvent& ev);
std::ostream& operator<<(std::ostream& os, const SendFailedEvent& ev);

}  // namespace netsctp
