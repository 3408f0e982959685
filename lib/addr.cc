// IpAddr and SctpAddr: construction and string forms; the public parsers
// run the address grammar (internal/addr_grammar.cc) with the system's name
// look-ups: host names (getaddrinfo), service names (getservbyname_r) and
// IPv6 zones naming an interface (if_nametoindex).
#include "netsctp/addr.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>

#include "internal/addr_grammar.h"
#include "internal/sockaddr.h"

namespace netsctp {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsV4Mapped(const std::array<std::uint8_t, 16>& b) {
  return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), b.begin());
}

// The look-ups of the running system. Each may block (DNS, NSS modules).
class SystemLookups final : public internal::NameLookups {
 public:
  Result<std::vector<IpAddr>> Host(std::string_view host) const override {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address
    addrinfo* list = nullptr;
    const std::string name(host);
    const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
      std::string why =
          rc == EAI_SYSTEM ? std::error_code(errno, std::system_category()).message() : gai_strerror(rc);
      return Error(make_error_code(Errc::kBadAddress), std::move(why));
    }
    const std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(list, freeaddrinfo);
    std::vector<IpAddr> out;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_addr == nullptr) continue;
      Result<internal::SockaddrIp> sa = internal::ParseSockaddr(
          std::span(reinterpret_cast<const std::byte*>(ai->ai_addr), ai->ai_addrlen));
      if (sa) out.push_back(sa->ip);
    }
    return out;
  }

  std::optional<std::uint16_t> Service(std::string_view service) const override {
    const std::string name(service);
    std::vector<char> buf(1024);
    // "tcp" first, as Go's resolver does; "sctp" for the few services that
    // /etc/services lists only for SCTP.
    for (const char* proto : {"tcp", "sctp"}) {
      for (;;) {
        servent entry{};
        servent* found = nullptr;
        const int rc = getservbyname_r(name.c_str(), proto, &entry, buf.data(), buf.size(), &found);
        if (rc == ERANGE && buf.size() < 65536) {
          buf.resize(buf.size() * 2);
          continue;
        }
        if (rc == 0 && found != nullptr) return ntohs(static_cast<std::uint16_t>(found->s_port));
        break;
      }
    }
    return std::nullopt;
  }

  std::uint32_t InterfaceIndex(std::string_view zone) const override {
    const std::string name(zone);
    return if_nametoindex(name.c_str());
  }
};

constinit const SystemLookups kSystemLookups;

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

Result<IpAddr> IpAddr::Parse(std::string_view text) { return internal::ParseIpAddr(text, kSystemLookups); }

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
  // inet_ntop writes an IPv4-compatible address (::a.b.c.d, deprecated by
  // RFC 4291) in dotted form; RFC 5952 and Go keep dotted text for IPv4-mapped
  // addresses only, so write "::a0b:c0d" as they do.
  const bool v4_compatible = std::all_of(bytes_.begin(), bytes_.begin() + 12, [](std::uint8_t b) { return b == 0; }) &&
                             (bytes_[12] != 0 || bytes_[13] != 0);
  if (v4_compatible) {
    std::snprintf(buf, sizeof buf, "::%x:%x", (unsigned{bytes_[12]} << 8) | bytes_[13],
                  (unsigned{bytes_[14]} << 8) | bytes_[15]);
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  std::string s = buf;
  if (!zone_.empty()) {
    s += '%';
    s += zone_;
  }
  return s;
}

std::string SctpAddr::String() const {
  std::string s;
  for (std::size_t i = 0; i < ip_addrs.size(); ++i) {
    if (i != 0) s += '/';
    if (ip_addrs[i].Is6()) {
      s += '[';
      s += ip_addrs[i].String();
      s += ']';
    } else {
      s += ip_addrs[i].String();
    }
  }
  s += ':';
  s += std::to_string(port);
  return s;
}

Result<SctpAddr> ResolveSctpAddr(std::string_view network, std::string_view address) {
  return internal::ParseSctpAddr(network, address, kSystemLookups);
}

Result<std::vector<IpAddr>> ResolveIpAddrs(std::string_view network, std::string_view hosts) {
  return internal::ParseIpAddrs(network, hosts, kSystemLookups);
}

}  // namespace netsctp
