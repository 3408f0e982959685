// diameter_codec.h: just enough of the Diameter base protocol (RFC 6733) for
// diameter_cer: building a message (header and AVPs) and reading one back.
//
// Wire format, all integers big-endian:
//   header (20 bytes): version 1 | length (3 bytes, whole message)
//                      flags (R request, P proxiable, E error, T retransmitted)
//                      | command code (3 bytes) | Application-Id (4)
//                      | Hop-by-Hop Identifier (4) | End-to-End Identifier (4)
//   AVP: code (4) | flags (V vendor, M mandatory, P) | length (3 bytes: header
//        and data, without padding) | [Vendor-Id (4) when V] | data, padded
//        with zeros to a multiple of 4 bytes.
// Pure functions over bytes, no I/O: the example adds the SCTP calls.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace diameter {

// SCTP payload protocol identifier of Diameter in clear text (46; 47 is
// Diameter over DTLS/SCTP).
inline constexpr std::uint32_t kPpid = 46;

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 20;

// Command codes.
inline constexpr std::uint32_t kCapabilitiesExchange = 257;  // CER / CEA
inline constexpr std::uint32_t kDeviceWatchdog = 280;        // DWR / DWA
inline constexpr std::uint32_t kDisconnectPeer = 282;        // DPR / DPA

// Command flags.
inline constexpr std::uint8_t kRequest = 0x80;
inline constexpr std::uint8_t kProxiable = 0x40;
inline constexpr std::uint8_t kError = 0x20;

// AVP flags.
inline constexpr std::uint8_t kVendorBit = 0x80;
inline constexpr std::uint8_t kMandatory = 0x40;

// AVP codes of the base protocol used here.
inline constexpr std::uint32_t kHostIpAddress = 257;      // Address
inline constexpr std::uint32_t kAuthApplicationId = 258;  // Unsigned32
inline constexpr std::uint32_t kOriginHost = 264;         // DiameterIdentity
inline constexpr std::uint32_t kVendorId = 266;           // Unsigned32
inline constexpr std::uint32_t kResultCode = 268;         // Unsigned32
inline constexpr std::uint32_t kProductName = 269;        // UTF8String, M bit must be clear
inline constexpr std::uint32_t kDisconnectCause = 273;    // Enumerated
inline constexpr std::uint32_t kOriginStateId = 278;      // Unsigned32
inline constexpr std::uint32_t kErrorMessage = 281;       // UTF8String, M bit must be clear
inline constexpr std::uint32_t kOriginRealm = 296;        // DiameterIdentity
inline constexpr std::uint32_t kInbandSecurityId = 299;   // Unsigned32: 0 none, 1 TLS

inline constexpr std::uint32_t kSuccess = 2001;  // DIAMETER_SUCCESS

// Builds one message: the header first, then AVPs in order; Bytes() patches
// the length and returns the whole message.
class Writer {
 public:
  Writer(std::uint32_t command, std::uint8_t flags, std::uint32_t application_id, std::uint32_t hop_by_hop,
         std::uint32_t end_to_end) {
    buf_.reserve(256);
    Put8(kVersion);
    Put24(0);  // length, patched by Bytes()
    Put8(flags);
    Put24(command);
    Put32(application_id);
    Put32(hop_by_hop);
    Put32(end_to_end);
  }

  void AddU32(std::uint32_t code, std::uint8_t flags, std::uint32_t value) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                               static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    AddRaw(code, flags, b);
  }
  void AddText(std::uint32_t code, std::uint8_t flags, std::string_view text) {
    AddRaw(code, flags, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  // An Address AVP: the IANA address family (1 IPv4, 2 IPv6), then the
  // address bytes in network order.
  void AddAddress(std::uint32_t code, std::uint8_t flags, std::span<const std::uint8_t> ip) {
    std::vector<std::uint8_t> v = {0, static_cast<std::uint8_t>(ip.size() == 4 ? 1 : 2)};
    v.insert(v.end(), ip.begin(), ip.end());
    AddRaw(code, flags, v);
  }
  void AddRaw(std::uint32_t code, std::uint8_t flags, std::span<const std::uint8_t> data) {
    Put32(code);
    Put8(flags);
    Put24(static_cast<std::uint32_t>(8 + data.size()));  // this sketch never sets the V bit
    for (std::uint8_t b : data) Put8(b);
    while (buf_.size() % 4 != 0) Put8(0);
  }

  std::span<const std::byte> Bytes() {
    const auto n = static_cast<std::uint32_t>(buf_.size());
    buf_[1] = std::byte(n >> 16 & 0xff);
    buf_[2] = std::byte(n >> 8 & 0xff);
    buf_[3] = std::byte(n & 0xff);
    return buf_;
  }

 private:
  void Put8(std::uint8_t v) { buf_.push_back(std::byte(v)); }
  void Put24(std::uint32_t v) {
    Put8(static_cast<std::uint8_t>(v >> 16));
    Put8(static_cast<std::uint8_t>(v >> 8));
    Put8(static_cast<std::uint8_t>(v));
  }
  void Put32(std::uint32_t v) {
    Put8(static_cast<std::uint8_t>(v >> 24));
    Put24(v & 0xffffff);
  }
  std::vector<std::byte> buf_;
};

inline std::uint32_t Get(std::span<const std::byte> b, std::size_t at, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | std::to_integer<std::uint32_t>(b[at + i]);
  return v;
}

struct Header {
  std::uint8_t flags = 0;
  std::uint32_t command = 0;
  std::uint32_t application_id = 0;
  std::uint32_t hop_by_hop = 0;
  std::uint32_t end_to_end = 0;
  bool IsRequest() const { return (flags & kRequest) != 0; }
};

struct Avp {
  std::uint32_t code = 0;
  std::uint8_t flags = 0;
  std::uint32_t vendor = 0;  // when the V bit is set
  std::span<const std::byte> data;

  std::optional<std::uint32_t> U32() const {
    if (data.size() != 4) return std::nullopt;
    return Get(data, 0, 4);
  }
  std::string_view Text() const { return {reinterpret_cast<const char*>(data.data()), data.size()}; }
};

// A received message: its header, and its AVPs read one by one with Next().
class Reader {
 public:
  // nullopt unless `msg` is exactly one well-formed message: version 1, a
  // length equal to its size, a multiple of 4 and at least the header.
  static std::optional<Reader> Parse(std::span<const std::byte> msg) {
    if (msg.size() < kHeaderSize || msg.size() % 4 != 0) return std::nullopt;
    if (Get(msg, 0, 1) != kVersion || Get(msg, 1, 3) != msg.size()) return std::nullopt;
    Reader r;
    r.header = {static_cast<std::uint8_t>(Get(msg, 4, 1)), Get(msg, 5, 3), Get(msg, 8, 4), Get(msg, 12, 4),
                Get(msg, 16, 4)};
    r.rest_ = msg.subspan(kHeaderSize);
    return r;
  }

  // The next AVP into `avp`; false at the end or on a malformed AVP (then
  // Malformed() is true).
  bool Next(Avp& avp) {
    if (rest_.empty()) return false;
    if (rest_.size() < 8) return Fail();
    avp.code = Get(rest_, 0, 4);
    avp.flags = static_cast<std::uint8_t>(Get(rest_, 4, 1));
    const std::size_t len = Get(rest_, 5, 3);
    const std::size_t head = (avp.flags & kVendorBit) ? 12 : 8;
    if (len < head || len > rest_.size()) return Fail();
    avp.vendor = head == 12 ? Get(rest_, 8, 4) : 0;
    avp.data = rest_.subspan(head, len - head);
    rest_ = rest_.subspan(std::min(rest_.size(), (len + 3) / 4 * 4));
    return true;
  }
  bool Malformed() const { return malformed_; }

  Header header;

 private:
  bool Fail() {
    malformed_ = true;
    rest_ = {};
    return false;
  }
  std::span<const std::byte> rest_;
  bool malformed_ = false;
};

}  // namespace diameter
