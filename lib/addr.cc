// IpAddr and SctpAddr: construction, string forms and the address grammar.
#include "netsctp/addr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace netsctp {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsV4Mapped(const std::array<std::uint8_t, 16>& b) {
  return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), b.begin());
}

}  // namespace

IpAddr IpAddr::V4(std::array<std::uint8_t, 4> bytes) noexcept {
  IpAddr a;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin() + 12);
  return a;
}

IpAddr IpAddr::V6(const std::array<std::uint8_t, 16>& bytes, std::uint32_t scope_id, std::string zone) {
  IpAddr a;
  a.bytes_ = bytes;
  if (IsV4Mapped(bytes)) return a;
  a.is4_ = false;
  a.scope_id_ = scope_id;
  a.zone_ = zone.empty() && scope_id != 0 ? std::to_string(scope_id) : std::move(zone);
  return a;
}

bool IpAddr::IsUnspecified() const noexcept {
  auto b = Bytes();
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

bool IpAddr::IsLoopback() const noexcept {
  if (is4_) return bytes_[12] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return bytes_ == kLoopback6;
}

std::string IpAddr::String() const {
  char buf[INET6_ADDRSTRLEN];
  if (is4_) {
    inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
    return buf;
  }
  inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  std::string s = buf;
  if (!zone_.empty()) {
    s += '%';
    s += zone_;
  }
  return s;
}

}  // namespace netsctp
