// netsctp/addr.h: IP addresses and multi-homed SCTP endpoint addresses.
//
// An SctpAddr is a list of IP addresses and one port: the address of an SCTP
// endpoint, which may be reachable over several interfaces (multi-homing).
// Its string form is "h1/h2/.../hN:port", IPv6 hosts in brackets
// ("10.0.0.1/10.0.0.2:36412", "[2001:db8::1]/198.51.100.1:3868"); parsing
// the string form gives the same address back.
//
// Mirrors go-sctp's SCTPAddr (IPAddrs, Port) and ResolveSCTPAddr.
// Thread safety: value types; distinct objects are safe, shared objects are
// safe for concurrent reads.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netsctp/result.h"

namespace netsctp {

// One IPv4 or IPv6 address, with an optional IPv6 zone (scope).
// IPv4 addresses, also those written as IPv4-mapped IPv6 ("::ffff:1.2.3.4"),
// are held as IPv4: Is4() is true and the string form is dotted decimal.
class IpAddr {
 public:
  // The IPv4 unspecified address 0.0.0.0.
  IpAddr() = default;

  static IpAddr V4(std::array<std::uint8_t, 4> bytes) noexcept;
  // An IPv4-mapped `bytes` gives an IPv4 address (and drops the scope).
  // `zone` is the zone's text as the user wrote it ("lo", "2"); scope_id its
  // interface index (0 when unknown).
  static IpAddr V6(const std::array<std::uint8_t, 16>& bytes, std::uint32_t scope_id = 0,
                   std::string zone = {});

  // Parses a literal ("192.0.2.1", "2001:db8::1", "fe80::1%eth0",
  // "::ffff:127.0.0.1"); no brackets, no host names. A zone is allowed on IPv6
  // only: a decimal zone is the scope id itself, any other is an interface
  // name (if_nametoindex); a name that does not exist gives scope id 0 and
  // still succeeds, keeping the zone's text.
  // Errors: Errc::kBadAddress, with the quoted input as the context.
  static Result<IpAddr> Parse(std::string_view text);

  bool Is4() const noexcept { return is4_; }
  bool Is6() const noexcept { return !is4_; }
  bool IsUnspecified() const noexcept;  // 0.0.0.0 or ::
  bool IsLoopback() const noexcept;     // 127.0.0.0/8 or ::1

  // 4 bytes for IPv4, 16 for IPv6, network order.
  std::span<const std::uint8_t> Bytes() const noexcept {
    return is4_ ? std::span<const std::uint8_t>(bytes_.data() + 12, 4)
                : std::span<const std::uint8_t>(bytes_.data(), 16);
  }
  // The 16-byte form: IPv4 as IPv4-mapped IPv6.
  const std::array<std::uint8_t, 16>& Bytes16() const noexcept { return bytes_; }
  std::uint32_t ScopeId() const noexcept { return scope_id_; }
  const std::string& Zone() const noexcept { return zone_; }

  // "192.0.2.1", "2001:db8::1", "fe80::1%eth0" (no brackets).
  std::string String() const;

  // Two addresses are equal when bytes and scope id are; the zone's spelling
  // ("lo" or "1") does not matter once resolved.
  friend bool operator==(const IpAddr& a, const IpAddr& b) noexcept {
    return a.bytes_ == b.bytes_ && a.scope_id_ == b.scope_id_;
  }
  friend std::strong_ordering operator<=>(const IpAddr& a, const IpAddr& b) noexcept {
    if (auto c = a.bytes_ <=> b.bytes_; c != 0) return c;
    return a.scope_id_ <=> b.scope_id_;
  }

 private:
  std::array<std::uint8_t, 16> bytes_{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
  bool is4_ = true;
  std::uint32_t scope_id_ = 0;
  std::string zone_;
};

// The address of an SCTP endpoint: several IP addresses and one port.
struct SctpAddr {
  std::vector<IpAddr> ip_addrs;  // empty means "all local addresses" (listen) or "this host" (dial)
  std::uint16_t port = 0;

  // "h1/h2:port": IPv6 in brackets, zones kept ("[fe80::1%lo]/[::1]:5333"),
  // ":port" when there is no address. Parses back to an equal SctpAddr.
  std::string String() const;
  // Go's Network(): "sctp".
  static constexpr std::string_view Network() noexcept { return "sctp"; }

  friend bool operator==(const SctpAddr&, const SctpAddr&) = default;
};

// Parses "h1/h2/.../hN:port" for network "sctp", "sctp4" or "sctp6", as
// go-sctp's ResolveSCTPAddr does except where docs/addresses.md says why not.
// White space around the whole address is ignored. Hosts are IP literals
// (IPv6 in brackets; brackets may be dropped on all but the last host;
// "%zone" allowed per IPv6 host) or host names, each resolved to one address
// (IPv4 preferred; IPv6 for "sctp6" and for a bracketed last host). The port
// is a number (a leading '+' allowed) or a service name in any case (looked up
// like TCP's); an empty port ("127.0.0.1:") is 0. An empty host (":8000"),
// and an empty address (""), give no addresses. Wildcards ("0.0.0.0",
// "[::]") are kept as addresses. Duplicates are kept. "sctp4" turns
// IPv4-mapped literals and "::" into IPv4 and rejects other IPv6; "sctp6"
// rejects IPv4 and IPv4-mapped addresses. docs/addresses.md has the details.
// Errors (each with the input in the context, e.g. `address "127.0.0.1::5":
// too many colons in address`): Errc::kUnknownNetwork, kMissingPort,
// kTooManyColons, kMissingBracket, kBadAddress, kBadPort, kNoSuitableAddress.
// Blocking: only when a host or service name must be looked up.
Result<SctpAddr> ResolveSctpAddr(std::string_view network, std::string_view address);

// Parses a host list without a port, "h1/h2/.../hN", as ResolveSctpAddr parses
// its hosts (brackets are optional on every IPv6 host here), for calls that
// take addresses without a port (BindAdd, BindRemove, a send destination).
// Errors: as ResolveSctpAddr's, less the port ones; an empty list is
// Errc::kBadAddress.
// Blocking: only when a host name must be looked up.
Result<std::vector<IpAddr>> ResolveIpAddrs(std::string_view network, std::string_view hosts);

}  // namespace netsctp
