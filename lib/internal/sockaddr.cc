// sockaddr packing and unpacking, and the socket family for a network.
#include "internal/sockaddr.h"

#include <netinet/in.h>
#include <netinet/sctp.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace netsctp::internal {
namespace {

std::string Quote(std::string_view text) {
  std::string q = "\"";
  q += text;
  q += '"';
  return q;
}

void Append(std::vector<std::byte>& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}

}  // namespace

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
    // Linux fills a scope id in for addresses learnt from packets even where
    // it means nothing (::1 comes back as ::1%1); keep it only where it
    // matters: link-local unicast fe80::/10 and link-local multicast ff02::/16.
    const bool scoped = (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || (b[0] == 0xff && (b[1] & 0x0f) == 0x02);
    out.ip = IpAddr::V6(b, scoped ? sin6.sin6_scope_id : 0);
    out.port = ntohs(sin6.sin6_port);
    out.size = sizeof sin6;
  } else {
    return Errc::kMalformed;
  }
  return out;
}

Result<SocketFamily> ChooseFamily(std::string_view network, const SctpAddr& addr) {
  const bool all4 = std::all_of(addr.ip_addrs.begin(), addr.ip_addrs.end(),
                                [](const IpAddr& ip) { return ip.Is4(); });
  const bool any4 = std::any_of(addr.ip_addrs.begin(), addr.ip_addrs.end(),
                                [](const IpAddr& ip) { return ip.Is4(); });
  if (network == "sctp4") {
    if (!all4) {
      return Error(make_error_code(Errc::kNoSuitableAddress),
                   "address " + Quote(addr.String()) + ": IPv6 address with network \"sctp4\"");
    }
    return SocketFamily{AF_INET, false};
  }
  if (network == "sctp6") {
    if (any4) {
      return Error(make_error_code(Errc::kNoSuitableAddress),
                   "address " + Quote(addr.String()) + ": IPv4 address with network \"sctp6\"");
    }
    return SocketFamily{AF_INET6, true};
  }
  if (network == "sctp") {
    // An empty list (and "::") listens dual-stack; an explicit IPv4 list,
    // "0.0.0.0" included, stays IPv4 so that it works where IPv6 is disabled.
    if (!addr.ip_addrs.empty() && all4) return SocketFamily{AF_INET, false};
    return SocketFamily{AF_INET6, false};
  }
  return Error(make_error_code(Errc::kUnknownNetwork), "network " + Quote(network));
}

SctpAddr LocalSystemIfWildcard(SctpAddr remote, std::string_view network, const SctpAddr* local) {
  const bool wildcard = remote.ip_addrs.empty() || (remote.ip_addrs.size() == 1 && remote.ip_addrs[0].IsUnspecified());
  if (!wildcard) return remote;
  const bool local_only6 = local != nullptr && !local->ip_addrs.empty() &&
                           std::all_of(local->ip_addrs.begin(), local->ip_addrs.end(),
                                       [](const IpAddr& ip) { return ip.Is6() && !ip.IsUnspecified(); });
  const bool v6 = network == "sctp6" || (!remote.ip_addrs.empty() && remote.ip_addrs[0].Is6()) || local_only6;
  remote.ip_addrs = {v6 ? IpAddr::V6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) : IpAddr::V4({127, 0, 0, 1})};
  return remote;
}

Result<void> CheckDialFamilies(const SctpAddr& local, const SctpAddr& remote) {
  const auto& l = local.ip_addrs;
  if (l.empty() || remote.ip_addrs.empty()) return {};
  if (std::any_of(l.begin(), l.end(), [](const IpAddr& ip) { return ip.IsUnspecified(); })) return {};
  const bool local4 = std::any_of(l.begin(), l.end(), [](const IpAddr& ip) { return ip.Is4(); });
  const bool local6 = std::any_of(l.begin(), l.end(), [](const IpAddr& ip) { return ip.Is6(); });
  const bool reachable = std::any_of(remote.ip_addrs.begin(), remote.ip_addrs.end(),
                                     [&](const IpAddr& ip) { return ip.Is4() ? local4 : local6; });
  if (reachable) return {};
  // Every remote address is of the one family the local list lacks.
  const char* const have = local4 ? "IPv4" : "IPv6";
  const char* const need = local4 ? "IPv6" : "IPv4";
  return Error(make_error_code(Errc::kNoSuitableAddress),
               "local address " + Quote(local.String()) + " has only " + have + " addresses and remote address " +
                   Quote(remote.String()) + " only " + need + " ones: an association needs a local " + need +
                   " address or a wildcard");
}

socklen_t ToSockaddr(const IpAddr& ip, std::uint16_t port, int family, sockaddr_storage& out) noexcept {
  std::memset(&out, 0, sizeof out);
  if (family == AF_INET) {
    if (!ip.Is4()) return 0;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, ip.Bytes().data(), 4);
    std::memcpy(&out, &sin, sizeof sin);
    return sizeof sin;
  }
  if (family == AF_INET6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, ip.Bytes16().data(), 16);  // IPv4 as IPv4-mapped
    sin6.sin6_scope_id = ip.ScopeId();
    std::memcpy(&out, &sin6, sizeof sin6);
    return sizeof sin6;
  }
  return 0;
}

Result<PackedAddrs> PackAddrs(const SctpAddr& addr, int family) {
  if (family != AF_INET && family != AF_INET6) return std::errc::address_family_not_supported;
  // The kernel rejects an empty bindx/connectx list: "no address" is the
  // wildcard of the socket's own family.
  const IpAddr wildcard = family == AF_INET ? IpAddr() : IpAddr::V6({});
  const std::span<const IpAddr> ips =
      addr.ip_addrs.empty() ? std::span<const IpAddr>(&wildcard, 1) : std::span<const IpAddr>(addr.ip_addrs);
  PackedAddrs out;
  out.bytes.reserve(ips.size() * (family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
  for (const IpAddr& ip : ips) {
    sockaddr_storage ss;
    const socklen_t len = ToSockaddr(ip, addr.port, family, ss);
    if (len == 0) {
      return Error(make_error_code(Errc::kNoSuitableAddress),
                   "address " + Quote(addr.String()) + ": IPv6 address " + Quote(ip.String()) +
                       " for an IPv4 socket");
    }
    Append(out.bytes, &ss, len);
    ++out.count;
  }
  return out;
}

Result<SctpAddr> UnpackAddrs(std::span<const std::byte> bytes, int count) {
  if (count < 0) return Errc::kMalformed;
  SctpAddr out;
  // A count the bytes cannot hold fails below; never reserve for it.
  out.ip_addrs.reserve(std::min(static_cast<std::size_t>(count), bytes.size() / sizeof(sockaddr_in)));
  for (int i = 0; i < count; ++i) {
    Result<SockaddrIp> sa = ParseSockaddr(bytes);
    if (!sa) {
      return Error(make_error_code(Errc::kMalformed),
                   "address list entry " + std::to_string(i + 1) + " of " + std::to_string(count));
    }
    if (i == 0) out.port = sa->port;
    out.ip_addrs.push_back(sa->ip);
    bytes = bytes.subspan(sa->size);
  }
  return out;
}

Result<SctpAddr> UnpackGetAddrs(std::span<const std::byte> bytes) {
  constexpr std::size_t kHeader = offsetof(sctp_getaddrs, addrs);
  if (bytes.size() < kHeader) return Error(make_error_code(Errc::kMalformed), "sctp_getaddrs header");
  std::uint32_t num = 0;
  std::memcpy(&num, bytes.data() + offsetof(sctp_getaddrs, addr_num), sizeof num);
  // Each entry takes at least sizeof(sockaddr_in): a larger count cannot fit.
  if (num > (bytes.size() - kHeader) / sizeof(sockaddr_in)) {
    return Error(make_error_code(Errc::kMalformed),
                 "sctp_getaddrs: " + std::to_string(num) + " addresses in " +
                     std::to_string(bytes.size()) + " bytes");
  }
  return UnpackAddrs(bytes.subspan(kHeader), static_cast<int>(num));
}

}  // namespace netsctp::internal
