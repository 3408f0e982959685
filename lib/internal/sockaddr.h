// Conversions between netsctp addresses and the kernel's sockaddr forms, and
// the choice of socket family for a network and address list.
//
// Pure functions over bytes (no system calls): unit-tested without a kernel.
// The socket layer adds only the calls: ChooseFamily -> socket(), PackAddrs ->
// sctp_bindx/sctp_connectx, UnpackGetAddrs <- SCTP_GET_LOCAL_ADDRS /
// SCTP_GET_PEER_ADDRS, ToSockaddr -> a send destination (no allocation).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "netsctp/addr.h"

namespace netsctp::internal {

// An IP address and port read from a sockaddr_in or sockaddr_in6.
struct SockaddrIp {
  IpAddr ip;
  std::uint16_t port = 0;
  std::size_t size = 0;  // bytes the sockaddr occupies (its family's struct size)
};

// Reads one sockaddr at the start of `bytes`, sized by its own family.
// IPv4-mapped IPv6 addresses come back as IPv4; an IPv6 scope id comes back
// as ScopeId() with its decimal text as Zone().
// Errors: Errc::kMalformed when the family is neither AF_INET nor AF_INET6 or
// `bytes` is shorter than that family's struct.
Result<SockaddrIp> ParseSockaddr(std::span<const std::byte> bytes);

// The socket to open for a network and an address list.
struct SocketFamily {
  int family;    // AF_INET or AF_INET6
  bool v6only;   // set IPV6_V6ONLY to this on an AF_INET6 socket
};

// Chooses the family (docs/addresses.md, "Networks and families"):
//   "sctp4": AF_INET; every address must be IPv4.
//   "sctp6": AF_INET6 with v6only; every address must be IPv6.
//   "sctp":  no addresses or only "::" -> AF_INET6 dual-stack (v6only false);
//            only IPv4 addresses (also "0.0.0.0" alone) -> AF_INET;
//            any IPv6 address -> AF_INET6 dual-stack, IPv4 packed as mapped.
// Errors: Errc::kUnknownNetwork, Errc::kNoSuitableAddress (an address of the
// wrong family for "sctp4"/"sctp6"), each naming the input in the context.
Result<SocketFamily> ChooseFamily(std::string_view network, const SctpAddr& addr);

// The remote address of a dial whose remote is empty or a lone wildcard
// ("the local system": BEHAVIOUR item 4): loopback of the family that can
// work, ::1 for "sctp6", for a remote "::" and for a local address list with
// only (non-wildcard) IPv6 addresses, 127.0.0.1 otherwise. Any other remote
// comes back unchanged. `local` is the dialer's local address, if any.
SctpAddr LocalSystemIfWildcard(SctpAddr remote, std::string_view network, const SctpAddr* local);

// Whether a dial from `local` (the addresses it binds) to `remote` can form
// an association at all, checked before any socket exists: an SCTP INIT
// leaves from a local address of the remote address's family, so a local list
// with only IPv6 addresses cannot reach IPv4 remotes (not even IPv4-mapped on
// a dual-stack socket) and one with only IPv4 (or IPv4-mapped) addresses
// cannot reach IPv6 remotes. A local wildcard ("::" or "0.0.0.0") or an empty
// local list reaches both; one reachable remote address is enough.
// Errors: Errc::kNoSuitableAddress, naming both addresses and the reason.
Result<void> CheckDialFamilies(const SctpAddr& local, const SctpAddr& remote);

// Addresses packed back to back as sctp_bindx/sctp_connectx expect.
struct PackedAddrs {
  std::vector<std::byte> bytes;
  int count = 0;  // number of sockaddrs in `bytes`
};

// Packs every address of `addr` with addr.port as a sockaddr_in (family
// AF_INET) or sockaddr_in6 (family AF_INET6: IPv4 as IPv4-mapped, scope id
// from IpAddr::ScopeId). No addresses packs one wildcard of the family.
// Errors: Errc::kNoSuitableAddress for an IPv6 address with AF_INET;
// std::errc::address_family_not_supported for any other family.
Result<PackedAddrs> PackAddrs(const SctpAddr& addr, int family);

// Reads `count` sockaddrs packed back to back, as the kernel returns address
// lists, each sized by its own family (lists may mix IPv4 and IPv6). Mapped
// addresses become IPv4; the port is the first entry's. Bytes after the last
// entry are ignored.
// Errors: Errc::kMalformed when `count` is negative, an entry's family is
// unknown, or `bytes` ends before `count` entries.
Result<SctpAddr> UnpackAddrs(std::span<const std::byte> bytes, int count);

// Reads a struct sctp_getaddrs {assoc_id; addr_num; addrs[]} as filled by
// getsockopt(SCTP_GET_LOCAL_ADDRS / SCTP_GET_PEER_ADDRS). Pass the header and
// the address bytes after it: the optlen the kernel returns counts only the
// address list, so `bytes` is offsetof(sctp_getaddrs, addrs) + optlen long
// (a longer buffer is fine: bytes after addr_num entries are ignored).
// Errors: Errc::kMalformed as UnpackAddrs, or when the header is cut short.
Result<SctpAddr> UnpackGetAddrs(std::span<const std::byte> bytes);

// Writes one address as a sockaddr of `family` into `out` and returns its
// length, or 0 when the address cannot be expressed in that family (IPv6 with
// AF_INET, or a family other than AF_INET/AF_INET6). With AF_INET6 an IPv4
// address is written IPv4-mapped. Allocates nothing (data path).
socklen_t ToSockaddr(const IpAddr& ip, std::uint16_t port, int family, sockaddr_storage& out) noexcept;

}  // namespace netsctp::internal
