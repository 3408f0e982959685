// ParseEvent and the one-line rendering of SCTP notifications.
//
// The kernel's layouts (linux/sctp.h) are used only here, never in a public
// header. Every read copies from the caller's bytes with memcpy after a bounds
// check (never a cast of the buffer: it may be unaligned, and the notification
// may lie), so hostile input can only produce an error.
#include "netsctp/event.h"

#include <arpa/inet.h>
#include <netinet/sctp.h>

#include <cstdio>
#include <cstring>
#include <ostream>
#include <string>

#include "internal/sockaddr.h"

namespace netsctp {
namespace {

// The public enums carry the uapi's numbers so they can go to SCTP_EVENT and
// come from the kernel unchanged.
constexpr bool Same(auto a, auto b) { return static_cast<long>(a) == static_cast<long>(b); }

static_assert(Same(EventType::kAssocChange, SCTP_ASSOC_CHANGE));
static_assert(Same(EventType::kPeerAddrChange, SCTP_PEER_ADDR_CHANGE));
static_assert(Same(EventType::kSendFailed, SCTP_SEND_FAILED));
static_assert(Same(EventType::kRemoteError, SCTP_REMOTE_ERROR));
static_assert(Same(EventType::kShutdown, SCTP_SHUTDOWN_EVENT));
static_assert(Same(EventType::kPartialDelivery, SCTP_PARTIAL_DELIVERY_EVENT));
static_assert(Same(EventType::kAdaptationIndication, SCTP_ADAPTATION_INDICATION));
static_assert(Same(EventType::kAuthentication, SCTP_AUTHENTICATION_EVENT));
static_assert(Same(EventType::kSenderDry, SCTP_SENDER_DRY_EVENT));
static_assert(Same(EventType::kStreamReset, SCTP_STREAM_RESET_EVENT));
static_assert(Same(EventType::kAssocReset, SCTP_ASSOC_RESET_EVENT));
static_assert(Same(EventType::kStreamChange, SCTP_STREAM_CHANGE_EVENT));
static_assert(Same(EventType::kSendFailedEvent, SCTP_SEND_FAILED_EVENT));
static_assert(Same(EventType::kSendFailedEvent, SCTP_SN_TYPE_MAX), "a new notification type: add it");

static_assert(Same(AssocChangeState::kCommUp, SCTP_COMM_UP));
static_assert(Same(AssocChangeState::kCommLost, SCTP_COMM_LOST));
static_assert(Same(AssocChangeState::kRestart, SCTP_RESTART));
static_assert(Same(AssocChangeState::kShutdownComp, SCTP_SHUTDOWN_COMP));
static_assert(Same(AssocChangeState::kCantStrAssoc, SCTP_CANT_STR_ASSOC));

static_assert(Same(PeerAddrState::kAvailable, SCTP_ADDR_AVAILABLE));
static_assert(Same(PeerAddrState::kUnreachable, SCTP_ADDR_UNREACHABLE));
static_assert(Same(PeerAddrState::kRemoved, SCTP_ADDR_REMOVED));
static_assert(Same(PeerAddrState::kAdded, SCTP_ADDR_ADDED));
static_assert(Same(PeerAddrState::kMadePrim, SCTP_ADDR_MADE_PRIM));
static_assert(Same(PeerAddrState::kConfirmed, SCTP_ADDR_CONFIRMED));
static_assert(Same(PeerAddrState::kPotentiallyFailed, SCTP_ADDR_POTENTIALLY_FAILED));

static_assert(Same(SendFailedFlags::kDataUnsent, SCTP_DATA_UNSENT));
static_assert(Same(SendFailedFlags::kDataSent, SCTP_DATA_SENT));
static_assert(Same(PartialDeliveryIndication::kAborted, SCTP_PARTIAL_DELIVERY_ABORTED));
static_assert(Same(AuthIndication::kNewKey, SCTP_AUTH_NEW_KEY));
static_assert(Same(AuthIndication::kFreeKey, SCTP_AUTH_FREE_KEY));
static_assert(Same(AuthIndication::kNoAuth, SCTP_AUTH_NO_AUTH));

static_assert(Same(StreamResetFlags::kIncoming, SCTP_STREAM_RESET_INCOMING_SSN));
static_assert(Same(StreamResetFlags::kOutgoing, SCTP_STREAM_RESET_OUTGOING_SSN));
static_assert(Same(StreamResetFlags::kDenied, SCTP_STREAM_RESET_DENIED));
static_assert(Same(StreamResetFlags::kFailed, SCTP_STREAM_RESET_FAILED));
static_assert(Same(AssocResetFlags::kDenied, SCTP_ASSOC_RESET_DENIED));
static_assert(Same(AssocResetFlags::kFailed, SCTP_ASSOC_RESET_FAILED));
static_assert(Same(StreamChangeFlags::kDenied, SCTP_STREAM_CHANGE_DENIED));
static_assert(Same(StreamChangeFlags::kFailed, SCTP_STREAM_CHANGE_FAILED));

// Fixed sizes (the docs quote them; a kernel that changes one breaks users).
constexpr std::size_t kHeaderSize = 8;
static_assert(sizeof(sctp_notification::sn_header) == kHeaderSize);
static_assert(sizeof(sctp_assoc_change) == 20);
static_assert(sizeof(sctp_paddr_change) == 148);
static_assert(offsetof(sctp_paddr_change, spc_aaddr) == 8);
static_assert(sizeof(sctp_remote_error) == 16);
static_assert(sizeof(sctp_send_failed) == 48);
static_assert(sizeof(sctp_send_failed_event) == 32);
static_assert(sizeof(sctp_shutdown_event) == 12);
static_assert(sizeof(sctp_pdapi_event) == 24);
static_assert(sizeof(sctp_adaptation_event) == 16);
static_assert(sizeof(sctp_authkey_event) == 20);
static_assert(sizeof(sctp_sender_dry_event) == 12);
static_assert(sizeof(sctp_stream_reset_event) == 12);
static_assert(sizeof(sctp_assoc_reset_event) == 20);
static_assert(sizeof(sctp_stream_change_event) == 16);
// The stream list starts right after the fixed part (no tail padding).
static_assert(offsetof(sctp_stream_reset_event, strreset_stream_list) == sizeof(sctp_stream_reset_event));
static_assert(offsetof(sctp_assoc_change, sac_info) == sizeof(sctp_assoc_change));
static_assert(offsetof(sctp_remote_error, sre_data) == sizeof(sctp_remote_error));
static_assert(offsetof(sctp_send_failed, ssf_data) == sizeof(sctp_send_failed));
static_assert(offsetof(sctp_send_failed_event, ssf_data) == sizeof(sctp_send_failed_event));

// The fixed size of each type; 0 for a type this library does not know.
constexpr std::size_t FixedSize(std::uint16_t type) noexcept {
  switch (static_cast<EventType>(type)) {
    case EventType::kAssocChange: return sizeof(sctp_assoc_change);
    case EventType::kPeerAddrChange: return sizeof(sctp_paddr_change);
    case EventType::kSendFailed: return sizeof(sctp_send_failed);
    case EventType::kRemoteError: return sizeof(sctp_remote_error);
    case EventType::kShutdown: return sizeof(sctp_shutdown_event);
    case EventType::kPartialDelivery: return sizeof(sctp_pdapi_event);
    case EventType::kAdaptationIndication: return sizeof(sctp_adaptation_event);
    case EventType::kAuthentication: return sizeof(sctp_authkey_event);
    case EventType::kSenderDry: return sizeof(sctp_sender_dry_event);
    case EventType::kStreamReset: return sizeof(sctp_stream_reset_event);
    case EventType::kAssocReset: return sizeof(sctp_assoc_reset_event);
    case EventType::kStreamChange: return sizeof(sctp_stream_change_event);
    case EventType::kSendFailedEvent: return sizeof(sctp_send_failed_event);
  }
  return 0;
}

// Copies the fixed part of a kernel struct out of `n`. Precondition (checked
// by ParseEvent against FixedSize): n.size() >= sizeof(T).
template <typename T>
T Load(std::span<const std::byte> n) noexcept {
  T v;
  std::memcpy(&v, n.data(), sizeof v);
  return v;
}

Error Malformed(std::string context) { return Error(make_error_code(Errc::kMalformed), std::move(context)); }

std::string TypeLabel(std::uint16_t type) {
  std::string_view name = Name(static_cast<EventType>(type));
  if (!name.empty()) return std::string(name) + " notification";
  return "notification type " + std::to_string(type);
}

// Linux puts a 16-bit SCTP cause code into error fields exactly as it was on
// the wire (its sctp_error constants are big-endian); these bring it to host
// order.
CauseCode CauseFromWire16(std::uint16_t raw) noexcept { return static_cast<CauseCode>(ntohs(raw)); }
std::uint32_t CauseFromWire32(std::uint32_t raw) noexcept {
  if (raw > 0xffff) return raw;  // not a widened 16-bit code: keep it as it is
  return ntohs(static_cast<std::uint16_t>(raw));
}

Event ParseAssocChange(std::span<const std::byte> n) {
  const auto s = Load<sctp_assoc_change>(n);
  AssocChangeEvent ev;
  ev.state = static_cast<AssocChangeState>(s.sac_state);
  ev.error = CauseFromWire16(s.sac_error);
  ev.outbound_streams = s.sac_outbound_streams;
  ev.inbound_streams = s.sac_inbound_streams;
  ev.assoc_id = s.sac_assoc_id;
  ev.flags = s.sac_flags;
  ev.info = n.subspan(sizeof s);
  return ev;
}

Result<Event> ParsePeerAddrChange(std::span<const std::byte> n) {
  const auto s = Load<sctp_paddr_change>(n);
  const auto storage = n.subspan(offsetof(sctp_paddr_change, spc_aaddr), sizeof(sockaddr_storage));
  Result<internal::SockaddrIp> sa = internal::ParseSockaddr(storage);
  if (!sa) {
    sa_family_t family = 0;
    std::memcpy(&family, storage.data(), sizeof family);
    return Malformed("PEER_ADDR_CHANGE notification: address family " + std::to_string(family) +
                     " is neither AF_INET nor AF_INET6");
  }
  PeerAddrChangeEvent ev;
  ev.addr = std::move(sa->ip);
  ev.port = sa->port;
  ev.state = static_cast<PeerAddrState>(s.spc_state);
  ev.error = s.spc_error;
  ev.assoc_id = s.spc_assoc_id;
  ev.flags = s.spc_flags;
  return Event(std::move(ev));
}

Event ParseRemoteError(std::span<const std::byte> n) {
  const auto s = Load<sctp_remote_error>(n);
  RemoteErrorEvent ev;
  ev.error = CauseFromWire16(s.sre_error);  // __be16 in the uapi
  ev.assoc_id = s.sre_assoc_id;
  ev.flags = s.sre_flags;
  ev.data = n.subspan(sizeof s);
  return ev;
}

Event ParseSendFailedEvent(std::span<const std::byte> n) {
  const auto s = Load<sctp_send_failed_event>(n);
  SendFailedEvent ev;
  ev.flags = static_cast<SendFailedFlags>(s.ssf_flags);
  ev.error = CauseFromWire32(s.ssf_error);
  ev.snd_info.sid = s.ssfe_info.snd_sid;
  ev.snd_info.flags = static_cast<SndFlags>(s.ssfe_info.snd_flags);
  // The kernel hands back the PPID as it went on the wire; users never byte-swap.
  ev.snd_info.ppid = ntohl(s.ssfe_info.snd_ppid);
  ev.snd_info.context = s.ssfe_info.snd_context;
  ev.snd_info.assoc_id = s.ssfe_info.snd_assoc_id;
  ev.assoc_id = s.ssf_assoc_id;
  ev.data = n.subspan(sizeof s);
  return ev;
}

Event ParseLegacySendFailed(std::span<const std::byte> n) {
  const auto s = Load<sctp_send_failed>(n);
  LegacySendFailedEvent ev;
  ev.flags = static_cast<SendFailedFlags>(s.ssf_flags);
  ev.error = CauseFromWire32(s.ssf_error);
  ev.info.stream = s.ssf_info.sinfo_stream;
  ev.info.ssn = s.ssf_info.sinfo_ssn;
  ev.info.flags = s.ssf_info.sinfo_flags;
  ev.info.ppid = ntohl(s.ssf_info.sinfo_ppid);
  ev.info.context = s.ssf_info.sinfo_context;
  ev.info.timetolive = s.ssf_info.sinfo_timetolive;
  ev.info.tsn = s.ssf_info.sinfo_tsn;
  ev.info.cumtsn = s.ssf_info.sinfo_cumtsn;
  ev.info.assoc_id = s.ssf_info.sinfo_assoc_id;
  ev.assoc_id = s.ssf_assoc_id;
  ev.data = n.subspan(sizeof s);
  return ev;
}

Result<Event> ParseStreamReset(std::span<const std::byte> n) {
  const auto s = Load<sctp_stream_reset_event>(n);
  const auto list = n.subspan(sizeof s);
  // The kernel writes exactly 2 bytes per stream; an odd tail means the length
  // field is wrong, and guessing would hide it.
  if (list.size() % sizeof(std::uint16_t) != 0) {
    return Malformed("STREAM_RESET_EVENT notification: stream list of " + std::to_string(list.size()) +
                     " bytes is not a whole number of 16-bit stream ids");
  }
  StreamResetEvent ev;
  ev.flags = static_cast<StreamResetFlags>(s.strreset_flags);
  ev.assoc_id = s.strreset_assoc_id;
  ev.streams = StreamList(list);
  return Event(ev);
}

Result<Event> ParseBody(std::uint16_t type, std::span<const std::byte> n) {
  switch (static_cast<EventType>(type)) {
    case EventType::kAssocChange: return ParseAssocChange(n);
    case EventType::kPeerAddrChange: return ParsePeerAddrChange(n);
    case EventType::kSendFailed: return ParseLegacySendFailed(n);
    case EventType::kRemoteError: return ParseRemoteError(n);
    case EventType::kShutdown: {
      const auto s = Load<sctp_shutdown_event>(n);
      return Event(ShutdownEvent{s.sse_assoc_id, s.sse_flags});
    }
    case EventType::kPartialDelivery: {
      const auto s = Load<sctp_pdapi_event>(n);
      return Event(PartialDeliveryEvent{static_cast<PartialDeliveryIndication>(s.pdapi_indication),
                                        s.pdapi_stream, s.pdapi_seq, s.pdapi_assoc_id, s.pdapi_flags});
    }
    case EventType::kAdaptationIndication: {
      const auto s = Load<sctp_adaptation_event>(n);
      return Event(AdaptationEvent{s.sai_adaptation_ind, s.sai_assoc_id, s.sai_flags});
    }
    case EventType::kAuthentication: {
      const auto s = Load<sctp_authkey_event>(n);
      return Event(AuthenticationEvent{s.auth_keynumber, s.auth_altkeynumber,
                                       static_cast<AuthIndication>(s.auth_indication), s.auth_assoc_id,
                                       s.auth_flags});
    }
    case EventType::kSenderDry: {
      const auto s = Load<sctp_sender_dry_event>(n);
      return Event(SenderDryEvent{s.sender_dry_assoc_id, s.sender_dry_flags});
    }
    case EventType::kStreamReset: return ParseStreamReset(n);
    case EventType::kAssocReset: {
      const auto s = Load<sctp_assoc_reset_event>(n);
      return Event(AssocResetEvent{static_cast<AssocResetFlags>(s.assocreset_flags), s.assocreset_assoc_id,
                                   s.assocreset_local_tsn, s.assocreset_remote_tsn});
    }
    case EventType::kStreamChange: {
      const auto s = Load<sctp_stream_change_event>(n);
      return Event(StreamChangeEvent{static_cast<StreamChangeFlags>(s.strchange_flags), s.strchange_assoc_id,
                                     s.strchange_instrms, s.strchange_outstrms});
    }
    case EventType::kSendFailedEvent: return ParseSendFailedEvent(n);
  }
  return Errc::kUnknownEventType;  // unreachable: ParseEvent checked FixedSize
}

// --- rendering ---

std::string Num(std::uint64_t v) { return std::to_string(v); }
std::string Num(std::int64_t v) { return std::to_string(v); }

template <typename E>
std::string NameOrNumber(E v) {
  std::string_view name = Name(v);
  if (!name.empty()) return std::string(name);
  if constexpr (std::is_signed_v<std::underlying_type_t<E>>) {
    return Num(static_cast<std::int64_t>(v));
  } else {
    return Num(static_cast<std::uint64_t>(v));
  }
}

// "USER_ABORT(12)", or the number alone for a code without a name.
std::string CauseText(std::uint32_t code) {
  if (code == 0) return "0";  // no cause
  std::string_view name = code <= 0xffff ? Name(static_cast<CauseCode>(code)) : std::string_view();
  if (name.empty()) return Num(std::uint64_t{code});
  return std::string(name) + "(" + Num(std::uint64_t{code}) + ")";
}

std::string Hex(std::uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
  return buf;
}

struct FlagName {
  std::uint16_t bit;
  std::string_view name;
};

// "INCOMING|DENIED", unknown bits in hex, "0" when none is set.
std::string FlagsText(std::uint16_t flags, std::span<const FlagName> names) {
  if (flags == 0) return "0";
  std::string out;
  auto add = [&out](std::string_view s) {
    if (!out.empty()) out += '|';
    out += s;
  };
  std::uint16_t rest = flags;
  for (const FlagName& f : names) {
    if ((flags & f.bit) != 0) {
      add(f.name);
      rest = static_cast<std::uint16_t>(rest & ~f.bit);
    }
  }
  if (rest != 0) add(Hex(rest, 0));
  return out;
}

constexpr FlagName kStreamResetNames[] = {
    {0x0001, "INCOMING"}, {0x0002, "OUTGOING"}, {0x0004, "DENIED"}, {0x0008, "FAILED"}};
constexpr FlagName kDeniedFailedNames[] = {{0x0004, "DENIED"}, {0x0008, "FAILED"}};

std::string AddrText(const IpAddr& ip, std::uint16_t port) {
  std::string s = ip.Is6() ? "[" + ip.String() + "]" : ip.String();
  return s + ":" + Num(std::uint64_t{port});
}

}  // namespace

bool AssocChangeEvent::Supports(AssocExtension ext) const noexcept {
  if (state != AssocChangeState::kCommUp && state != AssocChangeState::kRestart) return false;
  for (std::byte b : info) {
    if (std::to_integer<std::uint8_t>(b) == static_cast<std::uint8_t>(ext)) return true;
  }
  return false;
}

std::optional<ErrorCause> AssocChangeEvent::AbortCause() const noexcept {
  if (state != AssocChangeState::kCommLost && state != AssocChangeState::kCantStrAssoc) return std::nullopt;
  // An error cause: 16-bit code, 16-bit length (header included), information;
  // both in network order (RFC 9260 3.3.10).
  constexpr std::size_t kCauseHeader = 4;
  if (info.size() < kCauseHeader) return std::nullopt;
  std::uint16_t code = 0;
  std::uint16_t length = 0;
  std::memcpy(&code, info.data(), sizeof code);
  std::memcpy(&length, info.data() + sizeof code, sizeof length);
  code = ntohs(code);
  length = ntohs(length);
  if (length < kCauseHeader || length > info.size()) return std::nullopt;
  return ErrorCause{static_cast<CauseCode>(code), info.subspan(kCauseHeader, length - kCauseHeader)};
}

Result<Event> ParseEvent(std::span<const std::byte> bytes) {
  if (bytes.size() < kHeaderSize) {
    return Malformed("notification: " + Num(std::uint64_t{bytes.size()}) + " bytes < 8-byte header");
  }
  const auto header = Load<decltype(sctp_notification::sn_header)>(bytes);
  const std::size_t fixed = FixedSize(header.sn_type);
  if (fixed == 0) {
    return Error(make_error_code(Errc::kUnknownEventType),
                 "notification type " + Hex(header.sn_type, 4) + " (" + Num(std::uint64_t{header.sn_type}) + ")");
  }
  if (header.sn_length < kHeaderSize) {
    return Malformed(TypeLabel(header.sn_type) + ": length " + Num(std::uint64_t{header.sn_length}) +
                     " < 8-byte header");
  }
  if (header.sn_length > bytes.size()) {
    return Malformed(TypeLabel(header.sn_type) + ": length field " + Num(std::uint64_t{header.sn_length}) +
                     " > " + Num(std::uint64_t{bytes.size()}) + " bytes given (truncated read?)");
  }
  // Only the notification's own bytes: anything after it is not ours to read.
  const auto n = bytes.first(header.sn_length);
  if (n.size() < fixed) {
    return Malformed(TypeLabel(header.sn_type) + ": length " + Num(std::uint64_t{n.size()}) + " < " +
                     Num(std::uint64_t{fixed}));
  }
  return ParseBody(header.sn_type, n);
}

Result<Event> ParseEvent(const void* data, std::size_t size) {
  if (data == nullptr) size = 0;
  return ParseEvent(std::span<const std::byte>(static_cast<const std::byte*>(data), size));
}

std::string_view Name(EventType t) noexcept {
  switch (t) {
    case EventType::kAssocChange: return "ASSOC_CHANGE";
    case EventType::kPeerAddrChange: return "PEER_ADDR_CHANGE";
    case EventType::kSendFailed: return "SEND_FAILED";
    case EventType::kRemoteError: return "REMOTE_ERROR";
    case EventType::kShutdown: return "SHUTDOWN_EVENT";
    case EventType::kPartialDelivery: return "PARTIAL_DELIVERY_EVENT";
    case EventType::kAdaptationIndication: return "ADAPTATION_INDICATION";
    case EventType::kAuthentication: return "AUTHENTICATION_EVENT";
    case EventType::kSenderDry: return "SENDER_DRY_EVENT";
    case EventType::kStreamReset: return "STREAM_RESET_EVENT";
    case EventType::kAssocReset: return "ASSOC_RESET_EVENT";
    case EventType::kStreamChange: return "STREAM_CHANGE_EVENT";
    case EventType::kSendFailedEvent: return "SEND_FAILED_EVENT";
  }
  return {};
}

std::string_view Name(AssocChangeState s) noexcept {
  switch (s) {
    case AssocChangeState::kCommUp: return "COMM_UP";
    case AssocChangeState::kCommLost: return "COMM_LOST";
    case AssocChangeState::kRestart: return "RESTART";
    case AssocChangeState::kShutdownComp: return "SHUTDOWN_COMP";
    case AssocChangeState::kCantStrAssoc: return "CANT_STR_ASSOC";
  }
  return {};
}

std::string_view Name(PeerAddrState s) noexcept {
  switch (s) {
    case PeerAddrState::kAvailable: return "AVAILABLE";
    case PeerAddrState::kUnreachable: return "UNREACHABLE";
    case PeerAddrState::kRemoved: return "REMOVED";
    case PeerAddrState::kAdded: return "ADDED";
    case PeerAddrState::kMadePrim: return "MADE_PRIM";
    case PeerAddrState::kConfirmed: return "CONFIRMED";
    case PeerAddrState::kPotentiallyFailed: return "POTENTIALLY_FAILED";
  }
  return {};
}

std::string_view Name(SendFailedFlags f) noexcept {
  switch (f) {
    case SendFailedFlags::kDataUnsent: return "DATA_UNSENT";
    case SendFailedFlags::kDataSent: return "DATA_SENT";
  }
  return {};
}

std::string_view Name(DataFragFlags f) noexcept {
  switch (f) {
    case DataFragFlags::kMiddleFrag: return "MIDDLE_FRAG";
    case DataFragFlags::kLastFrag: return "LAST_FRAG";
    case DataFragFlags::kFirstFrag: return "FIRST_FRAG";
    case DataFragFlags::kNotFrag: return "NOT_FRAG";
  }
  return {};
}

std::string_view Name(PartialDeliveryIndication i) noexcept {
  switch (i) {
    case PartialDeliveryIndication::kAborted: return "ABORTED";
  }
  return {};
}

std::string_view Name(AuthIndication i) noexcept {
  switch (i) {
    case AuthIndication::kNewKey: return "NEW_KEY";
    case AuthIndication::kFreeKey: return "FREE_KEY";
    case AuthIndication::kNoAuth: return "NO_AUTH";
  }
  return {};
}

std::string_view Name(CauseCode c) noexcept {
  switch (c) {
    case CauseCode::kNone: return "NONE";
    case CauseCode::kInvalidStreamId: return "INVALID_STREAM_ID";
    case CauseCode::kMissingParam: return "MISSING_PARAM";
    case CauseCode::kStaleCookie: return "STALE_COOKIE";
    case CauseCode::kOutOfResource: return "OUT_OF_RESOURCE";
    case CauseCode::kUnresolvableAddress: return "UNRESOLVABLE_ADDRESS";
    case CauseCode::kUnrecognizedChunk: return "UNRECOGNIZED_CHUNK";
    case CauseCode::kInvalidParam: return "INVALID_PARAM";
    case CauseCode::kUnrecognizedParams: return "UNRECOGNIZED_PARAMS";
    case CauseCode::kNoUserData: return "NO_USER_DATA";
    case CauseCode::kCookieInShutdown: return "COOKIE_IN_SHUTDOWN";
    case CauseCode::kRestartNewAddresses: return "RESTART_NEW_ADDRESSES";
    case CauseCode::kUserAbort: return "USER_ABORT";
    case CauseCode::kProtocolViolation: return "PROTOCOL_VIOLATION";
    case CauseCode::kDeleteLastAddress: return "DELETE_LAST_ADDRESS";
    case CauseCode::kResourceShortage: return "RESOURCE_SHORTAGE";
    case CauseCode::kDeleteSourceAddress: return "DELETE_SOURCE_ADDRESS";
    case CauseCode::kIllegalAsconfAck: return "ILLEGAL_ASCONF_ACK";
    case CauseCode::kNoAuthorization: return "NO_AUTHORIZATION";
    case CauseCode::kUnsupportedHmac: return "UNSUPPORTED_HMAC";
  }
  return {};
}

std::string_view Name(AssocExtension e) noexcept {
  switch (e) {
    case AssocExtension::kPr: return "PR";
    case AssocExtension::kAuth: return "AUTH";
    case AssocExtension::kAsconf: return "ASCONF";
    case AssocExtension::kMultibuf: return "MULTIBUF";
    case AssocExtension::kReConfig: return "RE";
    case AssocExtension::kInterleaving: return "INTL";
  }
  return {};
}

std::string ToString(EventType t) {
  std::string_view name = Name(t);
  return name.empty() ? Hex(static_cast<std::uint16_t>(t), 4) : std::string(name);
}

std::string ToString(const AssocChangeEvent& ev) {
  std::string s = "ASSOC_CHANGE " + NameOrNumber(ev.state);
  s += " outbound=" + Num(std::uint64_t{ev.outbound_streams});
  s += " inbound=" + Num(std::uint64_t{ev.inbound_streams});
  s += " assoc=" + Num(std::int64_t{ev.assoc_id});
  if (ev.error != CauseCode::kNone) s += " error=" + CauseText(static_cast<std::uint16_t>(ev.error));
  const bool up = ev.state == AssocChangeState::kCommUp || ev.state == AssocChangeState::kRestart;
  if (up && !ev.info.empty()) {
    s += " supports=";
    bool first = true;
    for (std::byte b : ev.info) {
      if (!first) s += ',';
      first = false;
      s += NameOrNumber(static_cast<AssocExtension>(std::to_integer<std::uint8_t>(b)));
    }
  } else if (!ev.info.empty()) {
    if (auto cause = ev.AbortCause()) {
      s += " cause=" + CauseText(static_cast<std::uint16_t>(cause->code));
      if (!cause->info.empty()) s += " cause_len=" + Num(std::uint64_t{cause->info.size()});
    } else {
      s += " info_len=" + Num(std::uint64_t{ev.info.size()});
    }
  }
  return s;
}

std::string ToString(const PeerAddrChangeEvent& ev) {
  return "PEER_ADDR_CHANGE " + AddrText(ev.addr, ev.port) + " " + NameOrNumber(ev.state) +
         " error=" + Num(std::int64_t{ev.error}) + " assoc=" + Num(std::int64_t{ev.assoc_id});
}

std::string ToString(const RemoteErrorEvent& ev) {
  return "REMOTE_ERROR error=" + CauseText(static_cast<std::uint16_t>(ev.error)) +
         " assoc=" + Num(std::int64_t{ev.assoc_id}) + " data_len=" + Num(std::uint64_t{ev.data.size()});
}

std::string ToString(const SendFailedEvent& ev) {
  return "SEND_FAILED_EVENT " + NameOrNumber(ev.flags) + " error=" + CauseText(ev.error) +
         " sid=" + Num(std::uint64_t{ev.snd_info.sid}) + " ppid=" + Num(std::uint64_t{ev.snd_info.ppid}) +
         " context=" + Num(std::uint64_t{ev.snd_info.context}) + " frag=" + NameOrNumber(ev.Frag()) +
         " assoc=" + Num(std::int64_t{ev.assoc_id}) + " data_len=" + Num(std::uint64_t{ev.data.size()});
}

std::string ToString(const LegacySendFailedEvent& ev) {
  return "SEND_FAILED " + NameOrNumber(ev.flags) + " error=" + CauseText(ev.error) +
         " stream=" + Num(std::uint64_t{ev.info.stream}) + " ssn=" + Num(std::uint64_t{ev.info.ssn}) +
         " ppid=" + Num(std::uint64_t{ev.info.ppid}) + " context=" + Num(std::uint64_t{ev.info.context}) +
         " ttl=" + Num(std::uint64_t{ev.info.timetolive}) + " tsn=" + Num(std::uint64_t{ev.info.tsn}) +
         " cumtsn=" + Num(std::uint64_t{ev.info.cumtsn}) + " frag=" + NameOrNumber(ev.Frag()) +
         " assoc=" + Num(std::int64_t{ev.assoc_id}) + " data_len=" + Num(std::uint64_t{ev.data.size()});
}

std::string ToString(const ShutdownEvent& ev) { return "SHUTDOWN_EVENT assoc=" + Num(std::int64_t{ev.assoc_id}); }

std::string ToString(const PartialDeliveryEvent& ev) {
  return "PARTIAL_DELIVERY_EVENT " + NameOrNumber(ev.indication) + " stream=" + Num(std::uint64_t{ev.stream}) +
         " seq=" + Num(std::uint64_t{ev.seq}) + " assoc=" + Num(std::int64_t{ev.assoc_id});
}

std::string ToString(const AdaptationEvent& ev) {
  return "ADAPTATION_INDICATION adaptation_ind=" + Hex(ev.adaptation_ind, 8) +
         " assoc=" + Num(std::int64_t{ev.assoc_id});
}

std::string ToString(const AuthenticationEvent& ev) {
  return "AUTHENTICATION_EVENT " + NameOrNumber(ev.indication) + " keynumber=" + Num(std::uint64_t{ev.keynumber}) +
         " altkeynumber=" + Num(std::uint64_t{ev.altkeynumber}) + " assoc=" + Num(std::int64_t{ev.assoc_id});
}

std::string ToString(const SenderDryEvent& ev) { return "SENDER_DRY_EVENT assoc=" + Num(std::int64_t{ev.assoc_id}); }

std::string ToString(const StreamResetEvent& ev) {
  std::string s = "STREAM_RESET_EVENT " + FlagsText(static_cast<std::uint16_t>(ev.flags), kStreamResetNames) +
                  " assoc=" + Num(std::int64_t{ev.assoc_id}) + " streams=";
  if (ev.streams.empty()) return s + "all";
  // A reset can name up to 32767 streams; one log line shows the first few.
  constexpr std::size_t kShown = 16;
  std::size_t i = 0;
  for (std::uint16_t sid : ev.streams) {
    if (i == kShown) {
      s += ",...(+" + Num(std::uint64_t{ev.streams.size() - kShown}) + ")";
      break;
    }
    if (i != 0) s += ',';
    s += Num(std::uint64_t{sid});
    ++i;
  }
  return s;
}

std::string ToString(const AssocResetEvent& ev) {
  return "ASSOC_RESET_EVENT " + FlagsText(static_cast<std::uint16_t>(ev.flags), kDeniedFailedNames) +
         " assoc=" + Num(std::int64_t{ev.assoc_id}) + " local_tsn=" + Num(std::uint64_t{ev.local_tsn}) +
         " remote_tsn=" + Num(std::uint64_t{ev.remote_tsn});
}

std::string ToString(const StreamChangeEvent& ev) {
  return "STREAM_CHANGE_EVENT " + FlagsText(static_cast<std::uint16_t>(ev.flags), kDeniedFailedNames) +
         " assoc=" + Num(std::int64_t{ev.assoc_id}) + " instrms=" + Num(std::uint64_t{ev.instrms}) +
         " outstrms=" + Num(std::uint64_t{ev.outstrms});
}

std::string ToString(const Event& ev) {
  return std::visit([](const auto& e) { return ToString(e); }, ev);
}

std::ostream& operator<<(std::ostream& os, EventType t) { return os << ToString(t); }
std::ostream& operator<<(std::ostream& os, const Event& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const AssocChangeEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const PeerAddrChangeEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const LegacySendFailedEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const RemoteErrorEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const ShutdownEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const PartialDeliveryEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const AdaptationEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const AuthenticationEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const SenderDryEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const StreamResetEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const AssocResetEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const StreamChangeEvent& ev) { return os << ToString(ev); }
std::ostream& operator<<(std::ostream& os, const SendFailedEvent& ev) { return os << ToString(ev); }

}  // namespace netsctp
