// Conversions between netsctp addresses and the kernel's sockaddr forms.
// Pure functions over bytes: unit-tested without a kernel.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "netsctp/addr.h"

namespace netsctp::internal {

// An IP address and port read from a sockaddr_in or sockaddr_in6.
struct SockaddrIp {
  IpAddr ip;
  std::uint16_t port = 0;
  std::size_t size = 0;  // bytes the sockaddr occupies (its family's struct size)
};

// Reads one sockaddr at the start of `bytes`, sized by its own family.
// Errors: Errc::kMalformed when the family is neither AF_INET nor AF_INET6 or
// `bytes` is shorter than that family's struct.
Result<SockaddrIp> ParseSockaddr(std::span<const std::byte> bytes);

}  // namespace netsctp::internal
