#include "internal/sockaddr.h"

#include <netinet/in.h>

#include <cstring>

namespace netsctp::internal {

Result<SockaddrIp> ParseSockaddr(std::span<const std::byte> bytes) {
  sa_family_t family = 0;
  if (bytes.size() < sizeof family) return Errc::kMalformed;
  std::memcpy(&family, bytes.data(), sizeof family);
  SockaddrIp out;
  if (family == AF_INET) {
    sockaddr_in sin;
    if (bytes.size() < sizeof sin) return Errc::kMalformed;
    std::memcpy(&sin, bytes.data(), sizeof sin);
    std::array<std::uint8_t, 4> b;
    std::memcpy(b.data(), &sin.sin_addr, 4);
    out.ip = IpAddr::V4(b);
    out.port = ntohs(sin.sin_port);
    out.size = sizeof sin;
  } else if (family == AF_INET6) {
    sockaddr_in6 sin6;
    if (bytes.size() < sizeof sin6) return Errc::kMalformed;
    std::memcpy(&sin6, bytes.data(), sizeof sin6);
    std::array<std::uint8_t, 16> b;
    std::memcpy(b.data(), &sin6.sin6_addr, 16);
    out.ip = IpAddr::V6(b, sin6.sin6_scope_id);
    out.port = ntohs(sin6.sin6_port);
    out.size = sizeof sin6;
  } else {
    return Errc::kMalformed;
  }
  return out;
}

}  // namespace netsctp::internal
