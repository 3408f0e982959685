// The fake NGAP codec of the NGAP examples (ngap_server.cc, ngap_client.cc):
// a 6-byte header (PDU type, procedure code, UE id) and text. Not NGAP's
// ASN.1 encoding; what matters here is how messages travel over SCTP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ngap {

constexpr std::uint32_t kNgapPpid = 60;
enum PduType : std::uint8_t { kInitiating = 0, kSuccessful = 1 };
enum Procedure : std::uint8_t {
  kDownlinkNasTransport = 4,
  kInitialUeMessage = 15,
  kNgSetup = 21,
  kUeContextRelease = 41,
  kUplinkNasTransport = 46,
};
constexpr std::size_t kHeader = 6;

struct Pdu {
  std::uint8_t type = 0;
  std::uint8_t procedure = 0;
  std::uint32_t ue = 0;
  std::string_view text;
};

inline bool Decode(std::span<const std::byte> b, Pdu& out) {
  if (b.size() < kHeader) return false;
  out.type = std::to_integer<std::uint8_t>(b[0]);
  out.procedure = std::to_integer<std::uint8_t>(b[1]);
  out.ue = 0;
  for (std::size_t i = 2; i < kHeader; ++i) out.ue = (out.ue << 8) | std::to_integer<std::uint32_t>(b[i]);
  out.text = std::string_view(reinterpret_cast<const char*>(b.data() + kHeader), b.size() - kHeader);
  return true;
}

// Encodes into `out` (reused, so a steady exchange allocates nothing).
inline void Encode(std::string& out, std::uint8_t type, std::uint8_t procedure, std::uint32_t ue, std::string_view text) {
  out.assign({static_cast<char>(type), static_cast<char>(procedure), static_cast<char>(ue >> 24),
              static_cast<char>(ue >> 16), static_cast<char>(ue >> 8), static_cast<char>(ue)});
  out.append(text);
}

inline std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace ngap
